//! Memory under hostile uploads, in a test binary of its own: the peak it measures is the whole
//! process's, so no other test may run beside it.

#![allow(clippy::expect_used)] // an expectation that fails is the test failing, with its message

mod common;

use axum::http::StatusCode;
use common::TestApp;
use domain::role::Role;

fn peak_memory_mb() -> u64 {
    let status = std::fs::read_to_string("/proc/self/status").unwrap_or_default();
    let line = status.lines().find(|l| l.starts_with("VmHWM:")).unwrap_or("VmHWM: 0 kB");
    line.split_whitespace().nth(1).and_then(|kb| kb.parse::<u64>().ok()).unwrap_or(0) / 1024
}

#[tokio::test]
async fn hostile_uploads_are_refused_or_queued_with_memory_bounded() {
    let app = TestApp::new().await;
    let (mut office, _) = app.signed_in(Role::ProvinceOffice).await;
    let files: [(&str, &[u8], &str); 4] = [
        // The header and one cell at XFD150000: read whole, a 78 GB grid.
        ("far-cell.xlsx", include_bytes!("files/far-cell.xlsx"), "vượt quá cột thứ 64"),
        // 700 MB of blanks inside the sheet, 700 KB zipped.
        ("zip-bomb.xlsx", include_bytes!("files/zip-bomb.xlsx"), "Tệp giải nén ra quá lớn"),
        // 200 MB of shared strings, held in memory by a workbook reader.
        ("shared-strings-bomb.xlsx", include_bytes!("files/shared-strings-bomb.xlsx"), "Tệp giải nén ra quá lớn"),
        (
            "nul.csv",
            b"T\xc3\xaan ch\xe1\xbb\xa7 th\xe1\xbb\x83,Lo\xe1\xba\xa1i h\xc3\xacnh\nHTX\x00,HTX\n",
            "ký tự điều khiển",
        ),
    ];
    for (name, bytes, says) in files {
        let r =
            office.upload("/registry/import", &[("kind", "producers"), ("good_rows", "on")], "file", name, bytes).await;
        assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY, "{name}");
        assert!(r.text.contains(says), "{name}: {}", r.text);
    }
    assert_eq!(office.get_json("/api/v1/producers").await.json()["total"], 0, "nothing written");

    // Six photos of 49 megapixels (200 KB each, 196 MB decoded) at once: they take turns.
    let (_, product, _) = common::certified_producer(&app).await;
    let photo: &[u8] = include_bytes!("files/big-pixels.png");
    let uploads: Vec<_> = (0..6)
        .map(|i| {
            let mut c = office.clone();
            let uri = format!("/products/{}/photos", product.id);
            tokio::spawn(async move { c.upload(&uri, &[], "photos", &format!("anh-{i}.png"), photo).await.status })
        })
        .collect();
    for upload in uploads {
        assert_eq!(upload.await.expect("joined"), StatusCode::SEE_OTHER);
    }
    let peak = peak_memory_mb();
    eprintln!("peak memory of the test process: {peak} MB");
    assert!(peak < 600, "the test process peaked at {peak} MB");
}
