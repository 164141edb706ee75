//! E-mail notifications through an SMTP relay (`OCOP_SMTP_URL=smtp://host:port`, typically the
//! organisation's relay on its own network: plain SMTP, no authentication, no TLS here). Without
//! one, nothing is sent: the message stays in the platform (notifications, the inquiry thread)
//! and the log says so. Sending happens after the write it reports on has committed, in the
//! background; a failure is logged and counted, never undoes the write.

use base64::Engine;
use std::time::Duration;
use tokio::io::{AsyncBufReadExt, AsyncWriteExt, BufReader};
use tokio::net::TcpStream;

#[derive(Debug, Clone)]
pub struct Mailer {
    relay: Option<String>,
    from: String,
}

/// One message.
#[derive(Debug, Clone)]
pub struct Mail {
    pub to: String,
    pub subject: String,
    pub body: String,
}

impl Mailer {
    /// `url` is `smtp://host:port` (port 25 when omitted); anything else turns mail off.
    pub fn new(url: Option<&str>, from: &str) -> Self {
        let relay = url.and_then(|u| u.trim().strip_prefix("smtp://")).map(|hp| {
            let hp = hp.trim_end_matches('/');
            if hp.contains(':') { hp.to_owned() } else { format!("{hp}:25") }
        });
        Self { relay, from: from.to_owned() }
    }

    pub fn enabled(&self) -> bool {
        self.relay.is_some()
    }

    /// Sends in the background.
    pub fn send(&self, mail: Mail) {
        let Some(relay) = self.relay.clone() else {
            tracing::info!(to = %mail.to, subject = %mail.subject, "no SMTP server configured (OCOP_SMTP_URL): the message stays in the platform");
            return;
        };
        let from = self.from.clone();
        tokio::spawn(async move {
            match tokio::time::timeout(Duration::from_secs(20), deliver(&relay, &from, &mail)).await {
                Ok(Ok(())) => {
                    metrics::counter!("ocop_mail_sent_total").increment(1);
                    tracing::info!(to = %mail.to, "e-mail sent");
                }
                Ok(Err(e)) => {
                    metrics::counter!("ocop_mail_failed_total").increment(1);
                    tracing::warn!(to = %mail.to, error = %e, "e-mail not sent");
                }
                Err(_) => {
                    metrics::counter!("ocop_mail_failed_total").increment(1);
                    tracing::warn!(to = %mail.to, "e-mail not sent: the relay did not answer in time");
                }
            }
        });
    }
}

/// RFC 2047 for a header holding Vietnamese.
fn encoded_word(text: &str) -> String {
    if text.is_ascii() {
        text.to_owned()
    } else {
        format!("=?UTF-8?B?{}?=", base64::engine::general_purpose::STANDARD.encode(text))
    }
}

/// Header values may not carry line breaks (a subject from user input would add headers).
fn one_line(s: &str) -> String {
    s.chars().filter(|c| !c.is_control()).collect()
}

fn message(from: &str, m: &Mail) -> String {
    let body = base64::engine::general_purpose::STANDARD.encode(m.body.as_bytes());
    let wrapped: Vec<&str> = body.as_bytes().chunks(76).filter_map(|c| std::str::from_utf8(c).ok()).collect();
    format!(
        "From: {}\r\nTo: {}\r\nSubject: {}\r\nMIME-Version: 1.0\r\nContent-Type: text/plain; charset=utf-8\r\n\
         Content-Transfer-Encoding: base64\r\n\r\n{}\r\n",
        one_line(from),
        one_line(&m.to),
        encoded_word(&one_line(&m.subject)),
        wrapped.join("\r\n")
    )
}

async fn deliver(relay: &str, from: &str, m: &Mail) -> std::io::Result<()> {
    let stream = TcpStream::connect(relay).await?;
    let (read, mut write) = stream.into_split();
    let mut read = BufReader::new(read);
    expect(&mut read, 220).await?;
    let steps = [
        "EHLO ocop\r\n".to_owned(),
        format!("MAIL FROM:<{}>\r\n", one_line(from)),
        format!("RCPT TO:<{}>\r\n", one_line(&m.to)),
    ];
    for step in steps {
        write.write_all(step.as_bytes()).await?;
        expect(&mut read, 250).await?;
    }
    write.write_all(b"DATA\r\n").await?;
    expect(&mut read, 354).await?;
    // Base64 lines never start with a dot: no dot-stuffing needed.
    write.write_all(message(from, m).as_bytes()).await?;
    write.write_all(b".\r\n").await?;
    expect(&mut read, 250).await?;
    write.write_all(b"QUIT\r\n").await?;
    Ok(())
}

/// Reads a (possibly multi-line) reply and checks its code.
async fn expect(read: &mut BufReader<tokio::net::tcp::OwnedReadHalf>, code: u16) -> std::io::Result<()> {
    loop {
        let mut line = String::new();
        if read.read_line(&mut line).await? == 0 {
            return Err(std::io::Error::other("the relay closed the connection"));
        }
        let got: u16 = line.get(..3).and_then(|c| c.parse().ok()).unwrap_or(0);
        if got != code && !(code == 250 && got == 251) {
            return Err(std::io::Error::other(format!("the relay answered {}", line.trim())));
        }
        if line.as_bytes().get(3) != Some(&b'-') {
            return Ok(());
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn headers_cannot_be_injected_and_vietnamese_is_encoded() {
        let m =
            Mail {
                to: "a@b.vn\r\nBcc: x@y.vn".into(), subject: "Hỏi mua\r\nBcc: z".into(), body: "Xin chào".into()
            };
        let text = message("ocop@hanoi.gov.vn", &m);
        assert!(!text.contains("\r\nBcc:"), "{text}");
        assert!(text.contains("Subject: =?UTF-8?B?"));
        let body = text.split("\r\n\r\n").nth(1).expect("body").trim();
        let decoded = base64::engine::general_purpose::STANDARD.decode(body.replace("\r\n", "")).expect("base64");
        assert_eq!(String::from_utf8(decoded).expect("utf-8"), "Xin chào");
        assert!(!Mailer::new(None, "x@y.vn").enabled());
        assert!(!Mailer::new(Some("https://relay"), "x@y.vn").enabled());
        assert!(Mailer::new(Some("smtp://127.0.0.1:2525"), "x@y.vn").enabled());
    }
}
