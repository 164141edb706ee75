//! In-app notifications. A notification has a subject (`rerating:12`, `screening-overdue:7`);
//! a user gets one notification per subject, so a reminder job may run on every instance, or
//! twice, without notifying anyone twice.

use crate::db::{count, execute, fetch_all, now, placeholders};
use crate::{Result, Tx};
use sea_orm::{ConnectionTrait, FromQueryResult};
use serde::Serialize;

#[derive(Debug, Clone, PartialEq, Eq, FromQueryResult, Serialize)]
pub struct Notification {
    pub id: i64,
    pub user_id: i64,
    pub subject: String,
    /// A catalogue key; `args` holds its arguments as a JSON object of strings.
    pub message_key: String,
    pub args: String,
    pub link: String,
    pub created_at: i64,
    pub read_at: Option<i64>,
}

impl Notification {
    pub fn args(&self) -> Vec<(String, String)> {
        serde_json::from_str::<std::collections::BTreeMap<String, String>>(&self.args)
            .map(|m| m.into_iter().collect())
            .unwrap_or_default()
    }
}

/// One message to several users; returns how many were new.
pub struct Message<'a> {
    pub subject: String,
    pub key: &'a str,
    pub args: Vec<(&'a str, String)>,
    pub link: String,
}

pub async fn notify(tx: &Tx, users: &[i64], m: &Message<'_>) -> Result<u64> {
    let args: serde_json::Map<String, serde_json::Value> =
        m.args.iter().map(|(k, v)| ((*k).to_owned(), serde_json::Value::String(v.clone()))).collect();
    let args = serde_json::Value::Object(args).to_string();
    let mut created = 0;
    for user in users {
        let sql = format!(
            "INSERT INTO notification (user_id, subject, message_key, args, link, created_at) VALUES ({}) \
             ON CONFLICT (user_id, subject) DO NOTHING",
            placeholders(tx.get_database_backend(), 1, 6)
        );
        created += execute(
            tx,
            &sql,
            [
                (*user).into(),
                m.subject.clone().into(),
                m.key.into(),
                args.clone().into(),
                m.link.clone().into(),
                now().into(),
            ],
        )
        .await?;
    }
    Ok(created)
}

/// The user's newest notifications.
pub async fn of_user(c: &impl ConnectionTrait, user_id: i64, limit: i64) -> Result<Vec<Notification>> {
    fetch_all(
        c,
        "SELECT id, user_id, subject, message_key, args, link, created_at, read_at FROM notification \
         WHERE user_id = $1 ORDER BY created_at DESC, id DESC LIMIT $2",
        [user_id.into(), limit.into()],
    )
    .await
}

pub async fn unread(c: &impl ConnectionTrait, user_id: i64) -> Result<i64> {
    count(c, "SELECT COUNT(*) AS n FROM notification WHERE user_id = $1 AND read_at IS NULL", [user_id.into()]).await
}

pub async fn mark_all_read(tx: &Tx, user_id: i64) -> Result<u64> {
    execute(
        tx,
        "UPDATE notification SET read_at = $1 WHERE user_id = $2 AND read_at IS NULL",
        [now().into(), user_id.into()],
    )
    .await
}

/// The active accounts of a role at a place, to notify.
pub async fn users_of(
    c: &impl ConnectionTrait,
    role: domain::role::Role,
    province: Option<&str>,
    commune: Option<&str>,
    producer: Option<i64>,
) -> Result<Vec<i64>> {
    #[derive(FromQueryResult)]
    struct Id {
        id: i64,
    }
    let mut sql = String::from("SELECT id FROM app_user WHERE role = $1 AND disabled = $2");
    let mut values: Vec<sea_orm::Value> = vec![role.as_str().into(), false.into()];
    for (column, value) in
        [("province_code", province.map(str::to_owned)), ("commune_code", commune.map(str::to_owned))]
    {
        if let Some(v) = value {
            values.push(v.into());
            sql.push_str(&format!(" AND {column} = ${}", values.len()));
        }
    }
    if let Some(p) = producer {
        values.push(p.into());
        sql.push_str(&format!(" AND producer_id = ${}", values.len()));
    }
    Ok(fetch_all::<Id>(c, &sql, values).await?.into_iter().map(|r| r.id).collect())
}

/// A notification to e-mail, with its recipient.
#[derive(Debug, Clone, PartialEq, Eq, FromQueryResult)]
pub struct Outgoing {
    pub id: i64,
    pub email: String,
    pub display_name: String,
    pub message_key: String,
    pub args: String,
    pub link: String,
}

impl Outgoing {
    pub fn args(&self) -> Vec<(String, String)> {
        serde_json::from_str::<std::collections::BTreeMap<String, String>>(&self.args)
            .map(|m| m.into_iter().collect())
            .unwrap_or_default()
    }
}

/// Claims up to `limit` notifications not yet mailed, oldest first, marking them mailed: an
/// instance that claims one sends it, and no other instance claims it again (the update re-checks
/// `mailed_at IS NULL` on each row it takes).
pub async fn claim_unmailed(tx: &Tx, limit: i64) -> Result<Vec<Outgoing>> {
    #[derive(FromQueryResult)]
    struct Id {
        id: i64,
    }
    let claimed: Vec<Id> = fetch_all(
        tx,
        "UPDATE notification SET mailed_at = $1 WHERE mailed_at IS NULL AND id IN \
         (SELECT id FROM notification WHERE mailed_at IS NULL ORDER BY id LIMIT $2) RETURNING id",
        [now().into(), limit.into()],
    )
    .await?;
    if claimed.is_empty() {
        return Ok(Vec::new());
    }
    crate::db::fetch_in(
        tx,
        "SELECT n.id, u.email, u.display_name, n.message_key, n.args, n.link FROM notification n \
         JOIN app_user u ON u.id = n.user_id WHERE u.disabled = FALSE AND n.id IN",
        claimed.into_iter().map(|c| c.id),
    )
    .await
}
