use super::*;
use proptest::prelude::*;

const JSON: &str = include_str!("../../../../data/criteria/ocop-criteria-2026.json");

fn set() -> &'static CriteriaSet {
    static SET: std::sync::LazyLock<CriteriaSet> =
        std::sync::LazyLock::new(|| CriteriaSet::from_json(JSON).expect("criteria"));
    &SET
}

fn sheet(code: &str) -> &'static Sheet {
    set().sheet(code).expect("sheet")
}

/// The options allowed on `c` for a card that keeps to `case` (sheet 26), as full-array indices.
fn allowed(c: &Criterion, case: Option<&str>) -> Vec<usize> {
    (0..c.options.len())
        .filter(|&i| match (c.options[i].case(), case) {
            (Some(v), Some(case)) => v == case,
            _ => true,
        })
        .collect()
}

fn first_case(sheet: &Sheet) -> Option<&str> {
    sheet.criteria.iter().flat_map(|c| &c.options).find_map(|o| o.case())
}

/// A card answering every criterion with its best (or worst) allowed option.
fn extreme(sheet: &Sheet, member: &str, best: bool) -> Scorecard {
    let case = first_case(sheet);
    let mut card = Scorecard { member: member.into(), ..Scorecard::default() };
    for c in sheet.scored() {
        let answer = match c.kind {
            Kind::MetOrNot => Answer::Met(best),
            _ => {
                let pick = allowed(c, case).into_iter().map(|i| (c.options[i].points, i));
                let (_, i) = if best { pick.max() } else { pick.min() }.expect("options");
                Answer::Choice(i)
            }
        };
        card.answers.insert(c.code.clone(), answer);
    }
    card
}

fn best(sheet: &Sheet, member: &str) -> Scorecard {
    extreme(sheet, member, true)
}

/// A card whose total is exactly `total`: the worst card, raised criterion by criterion.
fn totalling(sheet: &Sheet, member: &str, total: u32) -> Scorecard {
    let mut card = extreme(sheet, member, false);
    let mut have = tally(sheet, &card).expect("worst").total;
    assert!(have <= total, "sheet {} cannot go below {have}", sheet.code);
    let case = first_case(sheet);
    for c in sheet.scored() {
        let now = points(c, card.answers[&c.code]).expect("points");
        let room = total - have;
        let answer = match c.kind {
            Kind::MetOrNot if c.max_points <= room => Some((c.max_points, Answer::Met(true))),
            Kind::MetOrNot => None,
            _ => allowed(c, case)
                .into_iter()
                .map(|i| (c.options[i].points, Answer::Choice(i)))
                .filter(|(p, _)| *p >= now && *p - now <= room)
                .max_by_key(|(p, _)| *p),
        };
        if let Some((p, answer)) = answer
            && p >= now
        {
            card.answers.insert(c.code.clone(), answer);
            have += p - now;
        }
    }
    assert_eq!(tally(sheet, &card).expect("card").total, total);
    card
}

fn with(mut card: Scorecard, code: &str, answer: Answer) -> Scorecard {
    card.answers.insert(code.into(), answer);
    card
}

fn run(sheet: &Sheet, cards: &[Scorecard]) -> Outcome {
    evaluate(set(), sheet, cards, Rules::default()).expect("evaluates")
}

fn refusal(sheet: &Sheet, cards: &[Scorecard]) -> Invalid {
    evaluate(set(), sheet, cards, Rules::default()).expect_err("refused").why
}

#[test]
fn the_best_answers_score_100_and_5_stars_on_every_sheet() {
    for sheet in set().sheets() {
        let outcome = run(sheet, &[best(sheet, "")]);
        assert_eq!(outcome.total(), 100.0, "sheet {}", sheet.code);
        assert_eq!([outcome.part(Part::A), outcome.part(Part::B), outcome.part(Part::C)], [40.0, 25.0, 35.0]);
        assert_eq!((outcome.band_stars, outcome.stars), (5, Some(5)), "sheet {}", sheet.code);
        assert!(outcome.recognised() && outcome.potential_5_star() && outcome.capped_by.is_empty());
        let central = evaluate(set(), sheet, &[best(sheet, "")], Rules { level: Level::Central, ..Rules::default() });
        assert!(!central.expect("central").potential_5_star());
    }
}

#[test]
fn bands_are_judged_on_the_exact_mean_at_each_edge() {
    let s = sheet("01");
    // A hundred members: 99 at `high` and one at `high - 1` give a mean of `high - 0.01`.
    for (high, below, at) in [(50, 2, 3), (70, 3, 4), (90, 4, 5)] {
        let mut cards: Vec<Scorecard> = (0..99).map(|i| totalling(s, &format!("m{i}"), high)).collect();
        cards.push(totalling(s, "last", high - 1));
        let outcome = run(s, &cards);
        assert!((outcome.total() - (f64::from(high) - 0.01)).abs() < 1e-9);
        assert_eq!(outcome.band_stars, below, "{}", outcome.total());
        let outcome = run(s, &[totalling(s, "a", high), totalling(s, "b", high)]);
        assert_eq!(outcome.band_stars, at, "{}", outcome.total());
    }
}

#[test]
fn only_3_to_5_stars_are_recognised() {
    let s = sheet("04");
    for (total, band) in [(49, 2), (29, 1)] {
        let outcome = run(s, &[totalling(s, "", total)]);
        assert_eq!(outcome.band_stars, band);
        assert!(!outcome.recognised() && !outcome.potential_5_star());
    }
}

#[test]
fn a_missed_requirement_caps_the_stars_at_each_level() {
    let s = sheet("01");
    // 1.5 "Liên kết sản xuất": option 2 (2 points) is tagged 4★, option 3 (3 points) 5★.
    let outcome = run(s, &[with(best(s, ""), "1.5", Answer::Choice(2))]);
    assert_eq!((outcome.band_stars, outcome.stars), (5, Some(4)));
    assert_eq!(outcome.capped_by, [Unmet { criterion: "1.5".into(), for_stars: 5, required_points: 3, got_points: 2 }]);
    assert!(!outcome.potential_5_star() && outcome.recognised());

    let outcome = run(s, &[with(best(s, ""), "1.5", Answer::Choice(1))]);
    assert_eq!(outcome.stars, Some(3));
    let levels: Vec<u8> = outcome.capped_by.iter().map(|u| u.for_stars).collect();
    assert_eq!(levels, [4, 5]);

    // 2.2 "Đóng gói": option 2 (2 points) is the 3★ minimum; a plain package (1 point) caps at 2★.
    let outcome = run(s, &[with(best(s, ""), "2.2", Answer::Choice(1))]);
    assert_eq!((outcome.band_stars, outcome.stars), (5, Some(2)));
    assert_eq!(
        outcome.capped_by[0],
        Unmet { criterion: "2.2".into(), for_stars: 3, required_points: 2, got_points: 1 }
    );
    assert!(!outcome.recognised());
}

#[test]
fn tags_above_the_band_do_not_cap_or_report() {
    let s = sheet("01");
    // Total 75 (band 4★) with 1.5 at its 4★ option: the unmet 5★ tag is irrelevant at 4★.
    let card = with(totalling(s, "", 75), "1.5", Answer::Choice(2));
    let outcome = run(s, &[card]);
    assert_eq!(outcome.band_stars, 4);
    assert!(outcome.capped_by.iter().all(|u| u.for_stars <= 4), "{:?}", outcome.capped_by);
}

#[test]
fn requirements_are_judged_on_the_lower_median_of_the_members() {
    assert_eq!(median_low(&mut [4, 1, 3, 2]), 2);
    assert_eq!(median_low(&mut [2, 1]), 1);
    assert_eq!(median_low(&mut [7]), 7);
    assert_eq!(median_low(&mut [3, 2, 3]), 3);
    let s = sheet("01");
    let top = |m: &str| best(s, m);
    let linked = |m: &str| with(best(s, m), "1.5", Answer::Choice(2));
    // Two members, 3 and 2 points on 1.5: the lower median is 2, below the 5★ tag.
    let outcome = run(s, &[top("A"), linked("B")]);
    assert_eq!(outcome.consolidated.iter().find(|(c, _)| c == "1.5").map(|(_, p)| *p), Some(2));
    assert_eq!((outcome.band_stars, outcome.stars), (5, Some(4)));
    // Four members 3, 3, 2, 2: still 2.
    assert_eq!(run(s, &[top("A"), top("B"), linked("C"), linked("D")]).stars, Some(4));
    // Three members 3, 2, 3: the median is 3, the tag is met.
    assert_eq!(run(s, &[top("A"), linked("B"), top("C")]).stars, Some(5));
}

#[test]
fn the_mean_of_members_is_the_score_and_parts_are_means_too() {
    let s = sheet("01");
    let outcome = run(s, &[totalling(s, "A", 80), totalling(s, "B", 85), totalling(s, "C", 83)]);
    assert!((outcome.total() - 82.666_666).abs() < 1e-3);
    let parts: f64 = Part::ALL.iter().map(|p| outcome.part(*p)).sum();
    assert!((parts - outcome.total()).abs() < 1e-9);
    assert_eq!(outcome.members.iter().map(|m| m.total).collect::<Vec<_>>(), [80, 85, 83]);
}

#[test]
fn a_spread_over_the_limit_is_flagged() {
    let s = sheet("01");
    let outcome = run(s, &[totalling(s, "A", 90), totalling(s, "B", 79)]);
    assert_eq!((outcome.spread, outcome.spread_exceeded), (11, true));
    let outcome = run(s, &[totalling(s, "A", 90), totalling(s, "B", 80)]);
    assert_eq!((outcome.spread, outcome.spread_exceeded), (10, false));
    let strict = Rules { spread_limit: 5.0, ..Rules::default() };
    let outcome = evaluate(set(), s, &[totalling(s, "A", 90), totalling(s, "B", 84)], strict).expect("ok");
    assert!(outcome.spread_exceeded);
}

#[test]
fn group_headings_are_not_answered_and_their_children_are() {
    let tea = sheet("11");
    assert_eq!(run(tea, &[best(tea, "")]).total(), 100.0);
    let why = refusal(tea, &[with(best(tea, ""), "6.1", Answer::Choice(0))]);
    assert_eq!((why.key, why.args[0].1.as_str()), ("score-group-answered", "6.1"));
    let mut card = best(tea, "");
    card.answers.remove("6.1.2");
    let why = refusal(tea, &[card]);
    assert_eq!((why.key, why.args[0].1.as_str()), ("score-missing", "6.1.2"));
}

#[test]
fn sheet_26_cases_use_full_array_indices_and_must_not_mix() {
    let tourism = sheet("26");
    let eight = tourism.criterion("8").expect("8");
    assert_eq!(eight.options[3].variant.as_deref().map(|v| v.starts_with("Trường hợp 2")), Some(true));
    // Case 1 throughout: full marks.
    assert_eq!(run(tourism, &[best(tourism, "")]).total(), 100.0);
    // Case 2 on 8 while the other variant criteria answer case 1: refused, naming 8 or the other.
    let why = refusal(tourism, &[with(best(tourism, ""), "8", Answer::Choice(3))]);
    assert_eq!(why.key, "score-mixed-variants");
    // Case 2 throughout: every variant criterion picks its best case-2 option.
    let mut card = best(tourism, "");
    for c in tourism.scored() {
        let case2: Vec<usize> = (0..c.options.len()).filter(|&i| c.options[i].case() == Some("Trường hợp 2")).collect();
        if let Some(&i) = case2.iter().max_by_key(|&&i| c.options[i].points) {
            card.answers.insert(c.code.clone(), Answer::Choice(i));
        }
    }
    assert_eq!(run(tourism, &[card]).total(), 100.0);
}

#[test]
fn met_or_not_criteria_take_true_or_false() {
    let s = sheet("01");
    assert_eq!(run(s, &[with(best(s, ""), "2.4", Answer::Met(false))]).total(), 99.0);
    let why = refusal(s, &[with(best(s, ""), "2.4", Answer::Choice(0))]);
    assert_eq!((why.key, why.args[0].1.as_str()), ("score-needs-met", "2.4"));
    let why = refusal(s, &[with(best(s, ""), "1.1", Answer::Met(true))]);
    assert_eq!((why.key, why.args[0].1.as_str()), ("score-needs-choice", "1.1"));
}

#[test]
fn bad_answers_name_the_criterion() {
    let s = sheet("01");
    let why = refusal(s, &[with(best(s, ""), "1.1", Answer::Choice(3))]);
    assert_eq!(why, Invalid::new("score-out-of-range").with("criterion", "1.1").with("index", 3).with("count", 3));
    let why = refusal(s, &[with(best(s, ""), "9.9", Answer::Choice(0))]);
    assert_eq!((why.key, why.args[0].1.as_str()), ("score-unknown-criterion", "9.9"));
    assert_eq!(refusal(s, &[]).key, "score-no-members");
    let err = evaluate(set(), s, &[best(s, "A"), best(s, "A")], Rules::default()).expect_err("duplicate");
    assert_eq!(err.why.key, "score-duplicate-member");
    let mut bad = best(s, "B");
    bad.answers.remove("3.1");
    let err = evaluate(set(), s, &[best(s, "A"), bad], Rules::default()).expect_err("missing");
    assert_eq!((err.member.as_deref(), err.why.key), (Some("B"), "score-missing"));
}

#[test]
fn knock_outs_stop_the_evaluation() {
    // Sheet 16: 0 points on 6.1–6.4 stops by itself.
    let s16 = sheet("16");
    let zero = allowed(s16.criterion("6.2").expect("6.2"), None)
        .into_iter()
        .find(|&i| s16.criterion("6.2").expect("6.2").options[i].points == 0)
        .expect("a 0 option");
    let outcome = run(s16, &[with(best(s16, ""), "6.2", Answer::Choice(zero))]);
    assert!(matches!(&outcome.stopped, Some(Stop::KnockOut { criterion, .. }) if criterion == "6.2"));
    assert_eq!(outcome.stars, None);
    assert!(!outcome.recognised() && !outcome.potential_5_star());

    // Sheet 02, 6.1 impurities: declared by a majority of members.
    let s02 = sheet("02");
    let declaring = |m: &str| {
        let mut card = best(s02, m);
        card.knock_outs.insert("6.1".into());
        card
    };
    let outcome = run(s02, &[declaring("A"), declaring("B"), best(s02, "C")]);
    assert!(matches!(outcome.stopped, Some(Stop::KnockOut { .. })));
    let outcome = run(s02, &[declaring("A"), best(s02, "B"), best(s02, "C")]);
    assert_eq!((outcome.stopped, outcome.stars), (None, Some(5)));
    // Half is not a majority.
    assert_eq!(run(s02, &[declaring("A"), best(s02, "B")]).stars, Some(5));

    let mut card = best(s02, "");
    card.knock_outs.insert("1.3".into());
    assert_eq!(refusal(s02, &[card]).key, "score-no-knock-out");
}

#[test]
fn a_disqualified_dossier_is_not_ranked() {
    let s = sheet("01");
    let mut card = best(s, "");
    card.disqualified = true;
    let outcome = run(s, &[card]);
    assert!(matches!(outcome.stopped, Some(Stop::Disqualified { note: Some(_) })));
    assert!(!outcome.recognised());
}

/// A random valid card: `picks` chooses among the allowed options of each criterion, `case2`
/// keeps sheet 26 on its second case.
fn random_card(sheet: &Sheet, member: &str, picks: &[usize], case2: bool) -> Scorecard {
    let cases: Vec<&str> = {
        let mut v: Vec<&str> = sheet.criteria.iter().flat_map(|c| &c.options).filter_map(|o| o.case()).collect();
        v.sort_unstable();
        v.dedup();
        v
    };
    let case = if case2 { cases.get(1).or(cases.first()) } else { cases.first() }.copied();
    let mut card = Scorecard { member: member.into(), ..Scorecard::default() };
    for (n, c) in sheet.scored().enumerate() {
        let r = picks[n % picks.len()];
        let answer = match c.kind {
            Kind::MetOrNot => Answer::Met(r.is_multiple_of(2)),
            _ => {
                let ok = allowed(c, case);
                Answer::Choice(ok[r % ok.len()])
            }
        };
        card.answers.insert(c.code.clone(), answer);
    }
    card
}

fn stars_rank(o: &Outcome) -> i16 {
    o.stars.map_or(-1, i16::from)
}

proptest! {
    #[test]
    fn stars_never_exceed_the_band_and_scores_stay_in_range(
        sheet_no in 1usize..=26,
        members in proptest::collection::vec((proptest::collection::vec(0usize..8, 1..40), any::<bool>()), 1..6),
    ) {
        let s = sheet(&format!("{sheet_no:02}"));
        let cards: Vec<Scorecard> =
            members.iter().enumerate().map(|(i, (p, c2))| random_card(s, &format!("m{i}"), p, *c2)).collect();
        let o = run(s, &cards);
        prop_assert!(o.stars.is_none_or(|st| st <= o.band_stars));
        prop_assert!((0.0..=100.0).contains(&o.total()));
        for part in Part::ALL {
            prop_assert!(o.part(part) <= f64::from(set().part_max(part)));
        }
        prop_assert_eq!(o.band_stars, set().band(o.sum, cards.len() as u64));
    }

    #[test]
    fn raising_one_answer_never_lowers_the_stars(
        sheet_no in 1usize..=26,
        members in proptest::collection::vec(proptest::collection::vec(0usize..8, 1..40), 1..5),
        case2 in any::<bool>(),
        who in 0usize..5,
        which in 0usize..200,
    ) {
        let s = sheet(&format!("{sheet_no:02}"));
        let cards: Vec<Scorecard> =
            members.iter().enumerate().map(|(i, p)| random_card(s, &format!("m{i}"), p, case2)).collect();
        let before = run(s, &cards);
        let who = who % cards.len();
        let criterion = s.scored().nth(which % s.scored().count()).expect("criterion");
        let current = points(criterion, cards[who].answers[&criterion.code]).expect("points");
        let case = match cards[who].answers[&criterion.code] {
            Answer::Choice(i) => criterion.options[i].case().map(str::to_owned),
            Answer::Met(_) => None,
        };
        let higher = match criterion.kind {
            Kind::MetOrNot => Some(Answer::Met(true)),
            _ => allowed(criterion, case.as_deref())
                .into_iter()
                .filter(|&i| criterion.options[i].points > current)
                .max_by_key(|&i| criterion.options[i].points)
                .map(Answer::Choice),
        };
        if let Some(higher) = higher {
            let mut raised = cards.clone();
            raised[who].answers.insert(criterion.code.clone(), higher);
            let after = run(s, &raised);
            prop_assert!(after.sum >= before.sum);
            prop_assert!(stars_rank(&after) >= stars_rank(&before), "{:?} → {:?}", before.stars, after.stars);
        }
    }

    #[test]
    fn the_order_of_members_does_not_matter(
        sheet_no in 1usize..=26,
        members in proptest::collection::vec(proptest::collection::vec(0usize..8, 1..40), 2..6),
    ) {
        let s = sheet(&format!("{sheet_no:02}"));
        let cards: Vec<Scorecard> =
            members.iter().enumerate().map(|(i, p)| random_card(s, &format!("m{i}"), p, false)).collect();
        let mut reversed = cards.clone();
        reversed.reverse();
        let (a, b) = (run(s, &cards), run(s, &reversed));
        prop_assert_eq!((a.sum, a.stars, a.capped_by, a.consolidated), (b.sum, b.stars, b.capped_by, b.consolidated));
    }
}

#[test]
fn the_running_total_counts_what_is_answered_and_meets_the_tally_when_complete() {
    let s = sheet("04");
    let best: BTreeMap<String, Answer> = s
        .scored()
        .map(|c| {
            let a = match c.options.iter().enumerate().max_by_key(|(_, o)| o.points) {
                Some((i, _)) => Answer::Choice(i),
                None => Answer::Met(true),
            };
            (c.code.clone(), a)
        })
        .collect();
    let card = Scorecard { answers: best.clone(), ..Scorecard::default() };
    assert_eq!(running_total(s, &best), tally(s, &card).expect("complete").total);
    let mut partial = best.clone();
    let first = s.scored().next().expect("a criterion");
    let first_points = points(first, best[&first.code]).expect("fits");
    partial.remove(&first.code);
    assert_eq!(running_total(s, &partial), running_total(s, &best) - first_points);
    partial.insert(first.code.clone(), Answer::Choice(99));
    assert_eq!(running_total(s, &partial), running_total(s, &best) - first_points, "a misfit counts nothing");
}
