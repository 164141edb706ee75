//! Validation failures that the web layer can translate.
//!
//! A validator never formats a sentence: it names a message key of the catalogues
//! (`locales/*/main.ftl`) and the values to put in it, so the same failure reads correctly in
//! Vietnamese and in English.

use std::fmt;

/// Why one value was refused: a catalogue key and its arguments.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Invalid {
    pub key: &'static str,
    pub args: Vec<(&'static str, String)>,
}

impl Invalid {
    pub fn new(key: &'static str) -> Self {
        Self { key, args: Vec::new() }
    }

    pub fn with(mut self, name: &'static str, value: impl ToString) -> Self {
        self.args.push((name, value.to_string()));
        self
    }
}

impl fmt::Display for Invalid {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.key)?;
        for (name, value) in &self.args {
            write!(f, " {name}={value}")?;
        }
        Ok(())
    }
}

impl std::error::Error for Invalid {}

/// Every refused field of one form or request, in the order they were checked.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct FieldErrors(Vec<(String, Invalid)>);

impl FieldErrors {
    pub fn new() -> Self {
        Self::default()
    }

    pub fn single(field: impl Into<String>, why: Invalid) -> Self {
        let mut errors = Self::new();
        errors.add(field, why);
        errors
    }

    pub fn add(&mut self, field: impl Into<String>, why: Invalid) {
        self.0.push((field.into(), why));
    }

    /// Parses one field, recording the failure and returning `None` when it is refused.
    pub fn check<T>(&mut self, field: &str, parsed: Result<T, Invalid>) -> Option<T> {
        match parsed {
            Ok(value) => Some(value),
            Err(why) => {
                self.add(field, why);
                None
            }
        }
    }

    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }

    pub fn iter(&self) -> impl Iterator<Item = &(String, Invalid)> {
        self.0.iter()
    }

    pub fn get(&self, field: &str) -> Option<&Invalid> {
        self.0.iter().find(|(f, _)| f == field).map(|(_, why)| why)
    }

    /// `Ok(())` when nothing was refused, the collected errors otherwise.
    pub fn into_result(self) -> Result<(), FieldErrors> {
        if self.is_empty() { Ok(()) } else { Err(self) }
    }
}

impl fmt::Display for FieldErrors {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        for (i, (field, why)) in self.0.iter().enumerate() {
            if i > 0 {
                f.write_str("; ")?;
            }
            write!(f, "{field}: {why}")?;
        }
        Ok(())
    }
}

impl std::error::Error for FieldErrors {}
