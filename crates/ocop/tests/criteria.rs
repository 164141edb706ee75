//! `ocop criteria`: offline scoring as a producer or a council secretary uses it.

#![allow(clippy::expect_used)] // an expectation that fails is the test failing, with its message

use serde_json::{Value, json};
use std::io::Write;
use std::process::{Command, Output, Stdio};

const SET: &str = include_str!("../../../data/criteria/ocop-criteria-2026.json");

fn ocop(args: &[&str], stdin: &str) -> Output {
    let mut child = Command::new(env!("CARGO_BIN_EXE_ocop"))
        .args(args)
        .env_clear()
        .env("OCOP_LOG", "warn")
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("run ocop");
    child.stdin.take().expect("stdin").write_all(stdin.as_bytes()).expect("write");
    child.wait_with_output().expect("wait")
}

fn score(input: &Value, extra: &[&str]) -> Output {
    let mut args = vec!["criteria", "score", "--answers", "-"];
    args.extend_from_slice(extra);
    ocop(&args, &input.to_string())
}

/// The index of the best option of every criterion on a sheet, read from the data file itself.
fn best_answers(sheet: &str) -> serde_json::Map<String, Value> {
    let set: Value = serde_json::from_str(SET).expect("json");
    let sheet = set["groups"]
        .as_array()
        .expect("groups")
        .iter()
        .flat_map(|g| g["subgroups"].as_array().expect("subgroups"))
        .find(|s| s["code"] == sheet)
        .expect("sheet");
    let mut answers = serde_json::Map::new();
    for c in sheet["criteria"].as_array().expect("criteria") {
        let code = c["code"].as_str().expect("code").to_owned();
        match c["kind"].as_str() {
            Some("group") => {}
            Some("criterion_without_listed_options") => {
                answers.insert(code, Value::Bool(true));
            }
            _ => {
                let options = c["options"].as_array().expect("options");
                let best = (0..options.len()).max_by_key(|&i| options[i]["points"].as_u64()).expect("an option");
                answers.insert(code, json!(best));
            }
        }
    }
    answers
}

fn report(o: &Output) -> Value {
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    serde_json::from_slice(&o.stdout).expect("one JSON object on stdout")
}

fn refused(o: &Output) -> String {
    assert_eq!(o.status.code(), Some(2), "{}", String::from_utf8_lossy(&o.stdout));
    assert!(o.stdout.is_empty(), "nothing on stdout: {}", String::from_utf8_lossy(&o.stdout));
    String::from_utf8_lossy(&o.stderr).into_owned()
}

#[test]
fn one_assessor_with_the_best_answers_gets_potential_5_stars() {
    let r = report(&score(&json!({"sheet": "01", "answers": best_answers("01")}), &["--sheet", "01"]));
    assert_eq!(r["sheet"], "01");
    assert_eq!(r["criteria_version"], "26/2026/QĐ-TTg");
    assert_eq!(r["total"], 100.0);
    assert_eq!(r["parts"], json!({"A": 40.0, "B": 25.0, "C": 35.0}));
    assert_eq!((r["band_stars"].as_u64(), r["stars"].as_u64()), (Some(5), Some(5)));
    assert_eq!(r["capped_by"], json!([]));
    assert_eq!((r["recognised"].as_bool(), r["potential_5_star"].as_bool()), (Some(true), Some(true)));
    assert_eq!(r["spread_exceeded"], false);
    assert_eq!(r["members"].as_array().map(Vec::len), Some(1));
}

#[test]
fn a_council_is_capped_on_the_lower_median_and_rounded() {
    let best = best_answers("01");
    let mut linked = best.clone();
    linked.insert("1.5".into(), json!(2)); // 2 points, below the 5★ tag (3 points)
    let input = json!({"sheet": "01", "members": [
        {"member": "A", "answers": best},
        {"member": "B", "answers": linked},
        {"member": "C", "answers": linked},
    ]});
    let r = report(&score(&input, &[]));
    assert_eq!(r["members"], json!([{"member":"A","total":100},{"member":"B","total":99},{"member":"C","total":99}]));
    assert_eq!(r["total"], 99.33, "298 / 3 rounded");
    assert_eq!(r["parts"]["A"], 39.33, "(40 + 39 + 39) / 3 rounded");
    assert_eq!(r["stars"], 4);
    assert_eq!(r["capped_by"], json!([{"criterion":"1.5","for_stars":5,"required_points":3,"got_points":2}]));
    assert_eq!(r["potential_5_star"], false);
    let central = report(&score(&input, &["--level", "central", "--spread", "0.5"]));
    assert_eq!(central["spread_exceeded"], true);
    assert_eq!((central["stars"].as_u64(), central["potential_5_star"].as_bool()), (Some(4), Some(false)));
}

#[test]
fn bad_input_names_the_criterion_exits_2_and_prints_nothing() {
    let mut missing = best_answers("01");
    missing.remove("3.1");
    assert!(refused(&score(&json!({"sheet":"01","answers":missing}), &[])).contains("3.1"));

    let mut extra = best_answers("01");
    extra.insert("9.9".into(), json!(0));
    assert!(refused(&score(&json!({"sheet":"01","answers":extra}), &[])).contains("9.9"));

    let mut out_of_range = best_answers("01");
    out_of_range.insert("1.1".into(), json!(3));
    let err = refused(&score(&json!({"sheet":"01","members":[{"member":"Bình","answers":out_of_range}]}), &[]));
    assert!(err.contains("Bình") && err.contains("1.1") && err.contains("số 3"), "{err}");

    let err = refused(&score(&json!({"sheet":"27","answers":{}}), &[]));
    assert!(err.contains("27"), "{err}");
    let err = refused(&ocop(&["criteria", "score", "--answers", "-"], "{\"sheet\": \"01\", \"answers\": {"));
    assert!(err.contains("JSON"), "{err}");
    let err = refused(&ocop(&["criteria", "score", "--answers", "/no/such/file.json"], ""));
    assert!(err.contains("/no/such/file.json"), "{err}");
    let err = refused(&score(&json!({"sheet":"01","answers":best_answers("01")}), &["--sheet", "04"]));
    assert!(err.contains("04") && err.contains("01"), "{err}");
}

#[test]
fn sheets_are_listed_and_shown_in_vietnamese() {
    let list = ocop(&["criteria", "list"], "");
    let text = String::from_utf8_lossy(&list.stdout);
    assert!(list.status.success());
    assert_eq!(text.lines().filter(|l| l.starts_with("  ")).count(), 26, "{text}");
    assert!(text.contains("26/2026/QĐ-TTg") && text.contains("Mật ong, mật khác và nông sản thực phẩm khác"));
    let show = ocop(&["criteria", "show", "--sheet", "26"], "");
    let text = String::from_utf8_lossy(&show.stdout);
    assert!(text.contains("PHẦN A (40 điểm)") && text.contains("Trường hợp 2"), "{text}");
    assert!(text.contains("[tối thiểu ★★★★]"), "tags are shown");
    assert_eq!(ocop(&["criteria", "show", "--sheet", "x"], "").status.code(), Some(2));
}
