//! Who someone is in the programme (SPEC §1) and which place their role is bound to.

use crate::place::{CommuneCode, ProvinceCode};
use crate::{FieldErrors, Invalid};
use serde::{Deserialize, Serialize};
use std::fmt;

/// The role of a signed-in account. The public (consumers, buyers) has no account.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Role {
    /// Chủ thể OCOP: cooperative, cooperative group, enterprise, household business, farm.
    Producer,
    /// Cán bộ UBND cấp xã: screens registrations of its commune (form 03).
    CommuneOfficer,
    /// Cơ quan thường trực OCOP cấp tỉnh: runs rounds, councils, decisions, inspections.
    ProvinceOffice,
    /// Thành viên hội đồng đánh giá: scores the products assigned to them.
    CouncilMember,
    /// Thành viên đoàn kiểm tra: records inspections of assigned producers.
    Inspector,
    /// Cơ quan trung ương: 5★ evaluation, national dashboard.
    CentralOffice,
    /// Quản trị hệ thống: users, settings, criteria versions, administrative units.
    Admin,
}

impl Role {
    pub const ALL: [Role; 7] = [
        Role::Producer,
        Role::CommuneOfficer,
        Role::ProvinceOffice,
        Role::CouncilMember,
        Role::Inspector,
        Role::CentralOffice,
        Role::Admin,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            Role::Producer => "producer",
            Role::CommuneOfficer => "commune_officer",
            Role::ProvinceOffice => "province_office",
            Role::CouncilMember => "council_member",
            Role::Inspector => "inspector",
            Role::CentralOffice => "central_office",
            Role::Admin => "admin",
        }
    }

    pub fn parse(s: &str) -> Result<Role, Invalid> {
        if s.trim().is_empty() {
            return Err(Invalid::new("invalid-required"));
        }
        Role::ALL.into_iter().find(|r| r.as_str() == s.trim()).ok_or_else(|| Invalid::new("invalid-role"))
    }
}

impl fmt::Display for Role {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// The place an account's role is bound to.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum Scope {
    /// The whole country: central office, admin, members of the central council.
    National,
    Province {
        province: ProvinceCode,
    },
    Commune {
        province: ProvinceCode,
        commune: CommuneCode,
    },
    /// One producer (chủ thể) and everything it owns; its place is the producer's address.
    Producer {
        producer: i64,
        province: ProvinceCode,
        commune: CommuneCode,
    },
}

impl Scope {
    pub fn province(&self) -> Option<&ProvinceCode> {
        match self {
            Scope::National => None,
            Scope::Province { province } | Scope::Commune { province, .. } | Scope::Producer { province, .. } => {
                Some(province)
            }
        }
    }

    pub fn commune(&self) -> Option<&CommuneCode> {
        match self {
            Scope::Commune { commune, .. } | Scope::Producer { commune, .. } => Some(commune),
            _ => None,
        }
    }

    pub fn producer(&self) -> Option<i64> {
        match self {
            Scope::Producer { producer, .. } => Some(*producer),
            _ => None,
        }
    }
}

/// The raw scope fields of a user form or command line, before they are checked against the role.
#[derive(Debug, Clone, Default)]
pub struct ScopeInput {
    pub province: Option<ProvinceCode>,
    pub commune: Option<CommuneCode>,
    /// A producer and the place it is registered at, as found by the store.
    pub producer: Option<(i64, ProvinceCode, CommuneCode)>,
}

impl ScopeInput {
    /// The scope this role needs, or which field is missing or superfluous.
    ///
    /// A council member without a province sits on the central council.
    pub fn for_role(self, role: Role) -> Result<Scope, FieldErrors> {
        let mut errors = FieldErrors::new();
        let required =
            |errors: &mut FieldErrors, field: &str| errors.add(field, Invalid::new("invalid-scope-required"));
        let scope = match role {
            Role::Admin | Role::CentralOffice => Scope::National,
            Role::ProvinceOffice | Role::Inspector => match self.province.clone() {
                Some(province) => Scope::Province { province },
                None => {
                    required(&mut errors, "province");
                    Scope::National
                }
            },
            Role::CouncilMember => match self.province.clone() {
                Some(province) => Scope::Province { province },
                None => Scope::National,
            },
            Role::CommuneOfficer => match (self.province.clone(), self.commune.clone()) {
                (Some(province), Some(commune)) => Scope::Commune { province, commune },
                (p, c) => {
                    if p.is_none() {
                        required(&mut errors, "province");
                    }
                    if c.is_none() {
                        required(&mut errors, "commune");
                    }
                    Scope::National
                }
            },
            Role::Producer => match self.producer.clone() {
                Some((producer, province, commune)) => Scope::Producer { producer, province, commune },
                None => {
                    required(&mut errors, "producer");
                    Scope::National
                }
            },
        };
        // A scope field that the role does not use is a mistake worth reporting, not ignoring.
        let wants_commune = matches!(role, Role::CommuneOfficer);
        let wants_province = !matches!(role, Role::Admin | Role::CentralOffice | Role::Producer);
        if self.commune.is_some() && !wants_commune {
            errors.add("commune", Invalid::new("invalid-scope-unused"));
        }
        if self.province.is_some() && !wants_province {
            errors.add("province", Invalid::new("invalid-scope-unused"));
        }
        if self.producer.is_some() && role != Role::Producer {
            errors.add("producer", Invalid::new("invalid-scope-unused"));
        }
        errors.into_result().map(|()| scope)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn p(code: &str) -> Option<ProvinceCode> {
        ProvinceCode::parse(code).ok()
    }

    #[test]
    fn role_names_round_trip() {
        for role in Role::ALL {
            assert_eq!(Role::parse(role.as_str()), Ok(role));
        }
        assert!(Role::parse("superuser").is_err());
    }

    #[test]
    fn scope_follows_role() {
        let province_only = ScopeInput { province: p("01"), ..Default::default() };
        assert_eq!(
            province_only.clone().for_role(Role::ProvinceOffice),
            Ok(Scope::Province { province: ProvinceCode::parse("01").expect("valid") })
        );
        let err = province_only.clone().for_role(Role::CommuneOfficer).expect_err("commune missing");
        assert!(err.get("commune").is_some());
        let err = province_only.for_role(Role::Admin).expect_err("province unused");
        assert_eq!(err.get("province").map(|i| i.key), Some("invalid-scope-unused"));
        assert_eq!(ScopeInput::default().for_role(Role::CouncilMember), Ok(Scope::National));
        assert!(ScopeInput::default().for_role(Role::Producer).is_err());
    }
}
