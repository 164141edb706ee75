//! Each province office's public contact (`domain::reports::OfficeContact`): shown to shoppers
//! beside a label's verdict, kept by the office itself.

use crate::audit::{self, Change, Who};
use crate::db::{execute, fetch_optional, now};
use crate::{Result, Tx};
use domain::email::Email;
use domain::phone::PhoneNumber;
use domain::reports::OfficeContact;
use sea_orm::{ConnectionTrait, FromQueryResult};

#[derive(FromQueryResult)]
struct Row {
    name: String,
    phone: Option<String>,
    email: Option<String>,
    address: String,
}

/// The contact of a province's office, if it gave one.
pub async fn contact(c: &impl ConnectionTrait, province: &str) -> Result<Option<OfficeContact>> {
    let row: Option<Row> = fetch_optional(
        c,
        "SELECT name, phone, email, address FROM office_contact WHERE province_code = $1",
        [province.into()],
    )
    .await?;
    Ok(row.map(|r| OfficeContact {
        name: r.name,
        phone: r.phone.and_then(|p| PhoneNumber::parse(&p).ok()),
        email: r.email.and_then(|m| Email::parse(&m).ok()),
        address: r.address,
    }))
}

/// Sets a province office's contact (audited with what it was before).
pub async fn save(tx: &Tx, who: &Who, province: &str, c: &OfficeContact) -> Result<()> {
    let before = contact(tx, province).await?;
    put(tx, province, c).await?;
    let mut change = Change::new("office_contact.save", "office_contact", province).province(Some(province)).after(c);
    if let Some(b) = &before {
        change = change.before(b);
    }
    audit::append(tx, who, change).await?;
    Ok(())
}

/// Writes the contact (the demo data set's load audits it as a whole).
pub(crate) async fn put(tx: &Tx, province: &str, c: &OfficeContact) -> Result<()> {
    execute(
        tx,
        "INSERT INTO office_contact (province_code, name, phone, email, address, updated_at) \
         VALUES ($1, $2, $3, $4, $5, $6) ON CONFLICT (province_code) DO UPDATE SET name = excluded.name, \
         phone = excluded.phone, email = excluded.email, address = excluded.address, updated_at = excluded.updated_at",
        [
            province.into(),
            c.name.clone().into(),
            c.phone.as_ref().map(|p| p.as_str().to_owned()).into(),
            c.email.as_ref().map(|m| m.as_str().to_owned()).into(),
            c.address.clone().into(),
            now().into(),
        ],
    )
    .await?;
    Ok(())
}
