//! `ocop user …`: accounts from the server's command line (the first administrator, recovery).

use crate::UsageError;
use crate::config::Config;
use crate::serve::open;
use clap::Subcommand;
use domain::access::Listing;
use domain::email::Email;
use domain::password::{self, Password};
use domain::place::{CommuneCode, ProvinceCode};
use domain::role::{Role, ScopeInput};
use domain::{FieldErrors, Invalid};
use std::io::BufRead;
use store::audit::Who;
use store::users::{self, User, UserDraft, UserFilter};
use store::{Db, Page, StoreError};

#[derive(Subcommand)]
pub enum UserAction {
    /// Create an account. Without --password-stdin a temporary password is generated and printed.
    Add {
        /// The account's e-mail, which it signs in with.
        #[arg(long)]
        email: String,
        /// Full name (defaults to the e-mail).
        #[arg(long)]
        name: Option<String>,
        /// producer, commune_officer, province_office, council_member, inspector, central_office, admin
        #[arg(long)]
        role: String,
        /// Province code (2 digits), e.g. 01 for Hà Nội.
        #[arg(long)]
        province: Option<String>,
        /// Commune code (5 digits), for commune officers.
        #[arg(long)]
        commune: Option<String>,
        /// For producer accounts: the producer's code as its page shows it ("Mã chủ thể", e.g.
        /// CT001025; `ocop export producers` lists them), or its number.
        #[arg(long)]
        producer: Option<String>,
        /// Read the password from the first line of standard input.
        #[arg(long)]
        password_stdin: bool,
    },
    /// List accounts.
    List {
        #[arg(long)]
        role: Option<String>,
        #[arg(long)]
        province: Option<String>,
    },
    /// Set a new password (generated and printed, or read with --password-stdin).
    Passwd {
        #[arg(long)]
        email: String,
        #[arg(long)]
        password_stdin: bool,
    },
    /// Disable an account and end its sessions.
    Disable {
        #[arg(long)]
        email: String,
    },
    /// Enable a disabled account.
    Enable {
        #[arg(long)]
        email: String,
    },
}

/// Field errors in Vietnamese, one per line, as a usage error.
fn invalid(errors: &FieldErrors) -> anyhow::Error {
    let t = web::i18n::Locale::Vi.tr();
    let lines: Vec<String> = errors.iter().map(|(field, why)| format!("--{field}: {}", t.invalid(why))).collect();
    UsageError(lines.join("\n")).into()
}

fn store_error(e: StoreError) -> anyhow::Error {
    match e {
        StoreError::Invalid(errors) => invalid(&errors),
        other => other.into(),
    }
}

/// The password from stdin, or a generated one; the second value is what to print.
fn password_from(stdin: bool) -> anyhow::Result<(Password, Option<String>)> {
    if stdin {
        let mut line = String::new();
        std::io::stdin().lock().read_line(&mut line)?;
        let pw = Password::parse(line.trim_end_matches(['\r', '\n']))
            .map_err(|why| invalid(&FieldErrors::single("password", why)))?;
        Ok((pw, None))
    } else {
        let pw = password::generate(rand::random::<u32>);
        let shown = pw.expose().to_owned();
        Ok((pw, Some(shown)))
    }
}

async fn hash(pw: Password) -> anyhow::Result<String> {
    Ok(tokio::task::spawn_blocking(move || password::hash(&pw)).await??)
}

async fn find(db: &Db, email: &str) -> anyhow::Result<User> {
    let email = Email::parse(email).map_err(|why| invalid(&FieldErrors::single("email", why)))?;
    users::find_for_login(db.conn(), email.as_str())
        .await?
        .map(|(u, _)| u)
        .ok_or_else(|| UsageError(format!("không có tài khoản {email} (no such account)")).into())
}

pub async fn run(config: &Config, action: UserAction) -> anyhow::Result<()> {
    let db = open(config).await?;
    store::migrate::check(&db).await?;
    match action {
        UserAction::Add { email, name, role, province, commune, producer, password_stdin } => {
            let mut errors = FieldErrors::new();
            let email = errors.check("email", Email::parse(&email));
            let role = errors.check("role", Role::parse(&role));
            let name = errors.check(
                "name",
                UserDraft::display_name(name.as_deref().unwrap_or_else(|| email.as_ref().map_or("", Email::as_str))),
            );
            let province = province.and_then(|p| errors.check("province", ProvinceCode::parse(&p)));
            let commune = commune.and_then(|c| errors.check("commune", CommuneCode::parse(&c)));
            let producer_code = producer;
            let id = producer_code.as_deref().map(|raw| {
                domain::producer::parse_platform_code(raw).or_else(|| raw.trim().parse::<i64>().ok()).unwrap_or(0)
            });
            let producer = match id {
                None => None,
                Some(id) => match store::producers::get(db.conn(), id).await?.filter(|p| p.deleted_at.is_none()) {
                    Some(p) => match (ProvinceCode::parse(&p.province_code), CommuneCode::parse(&p.commune_code)) {
                        (Ok(pr), Ok(c)) => Some((p.id, pr, c)),
                        _ => None,
                    },
                    None => {
                        let asked = producer_code.as_deref().unwrap_or_default().trim();
                        errors.add("producer", Invalid::new("invalid-producer-unknown").with("id", asked));
                        None
                    }
                },
            };
            let scope = role.and_then(|role| match (ScopeInput { province, commune, producer }).for_role(role) {
                Ok(scope) => Some(scope),
                Err(scope_errors) => {
                    scope_errors.iter().for_each(|(f, why)| errors.add(f.clone(), why.clone()));
                    None
                }
            });
            let (Some(email), Some(role), Some(display_name), Some(scope), true) =
                (email, role, name, scope, errors.is_empty())
            else {
                return Err(invalid(&errors));
            };
            let draft = UserDraft { email, display_name, role, scope };
            let (pw, shown) = password_from(password_stdin)?;
            let hashed = hash(pw).await?;
            let tx = db.write().await?;
            let user = users::create(&tx, &Who::cli(), &draft, &hashed, shown.is_some()).await.map_err(store_error)?;
            tx.commit().await?;
            println!("Đã tạo tài khoản {} (id {}, {}).", user.email, user.id, user.role);
            if let Some(shown) = shown {
                println!("Mật khẩu tạm thời (temporary password): {shown}");
            }
        }
        UserAction::List { role, province } => {
            let filter = UserFilter {
                q: None,
                role: role
                    .as_deref()
                    .map(Role::parse)
                    .transpose()
                    .map_err(|w| invalid(&FieldErrors::single("role", w)))?,
                province: province
                    .as_deref()
                    .map(ProvinceCode::parse)
                    .transpose()
                    .map_err(|w| invalid(&FieldErrors::single("province", w)))?
                    .map(String::from),
            };
            let found = users::search(db.conn(), &Listing::All, &filter, Page::new(1, Page::MAX_SIZE)).await?;
            for u in &found.items {
                let place = [u.scope.province().map(|p| p.to_string()), u.scope.commune().map(|c| c.to_string())]
                    .into_iter()
                    .flatten()
                    .collect::<Vec<_>>()
                    .join("/");
                let state = if u.disabled { "đã khóa" } else { "" };
                println!("{:>5}  {:<36} {:<16} {:<9} {}  {}", u.id, u.email, u.role, place, u.display_name, state);
            }
            println!("{} tài khoản (accounts)", found.total);
        }
        UserAction::Passwd { email, password_stdin } => {
            let user = find(&db, &email).await?;
            let (pw, shown) = password_from(password_stdin)?;
            let hashed = hash(pw).await?;
            let tx = db.write().await?;
            users::set_password(&tx, &Who::cli(), user.id, &hashed, shown.is_some(), None).await?;
            tx.commit().await?;
            println!("Đã đặt mật khẩu mới cho {} (password set).", user.email);
            if let Some(shown) = shown {
                println!("Mật khẩu tạm thời (temporary password): {shown}");
            }
        }
        UserAction::Disable { email } => set_disabled(&db, &email, true).await?,
        UserAction::Enable { email } => set_disabled(&db, &email, false).await?,
    }
    Ok(())
}

async fn set_disabled(db: &Db, email: &str, disabled: bool) -> anyhow::Result<()> {
    let user = find(db, email).await?;
    let draft = UserDraft {
        email: Email::parse(&user.email).map_err(|e| anyhow::anyhow!("{e}"))?,
        display_name: user.display_name.clone(),
        role: user.role,
        scope: user.scope.clone(),
    };
    let tx = db.write().await?;
    users::update(&tx, &Who::cli(), user.id, user.version, &draft, disabled).await.map_err(store_error)?;
    tx.commit().await?;
    println!("{} {}.", user.email, if disabled { "đã bị khóa (disabled)" } else { "đã được mở khóa (enabled)" });
    Ok(())
}
