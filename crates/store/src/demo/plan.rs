//! The demo data set as plain values, generated from a seed: no database involved, so the
//! shape can be checked by unit tests.

use super::Summary;
use super::rng::Rng;
use super::words::{self, SHEETS};
use domain::certificate::expiry;
use domain::criteria::version_in_force;
use domain::gtin::Gtin;
use domain::producer::{LegalType, SalesChannel};
use domain::tax_code::TaxCode;
use std::collections::{BTreeMap, HashMap, HashSet};
use time::macros::date;
use time::{Date, Duration, Month};

/// The day the demo's certificate chains are generated up to.
pub const TODAY_FOR_DEMO: Date = date!(2026 - 11 - 29);

/// A Hà Nội commune of 2020–2024 and the current unit it went to.
#[derive(Debug, Clone)]
pub struct Place {
    pub old_district: String,
    pub old_district_name: String,
    pub old_commune: String,
    pub old_commune_name: String,
    pub commune: String,
    pub commune_name: String,
}

impl Place {
    /// "Bát Tràng" from "Xã Bát Tràng".
    pub fn short(&self) -> &str {
        ["Xã ", "Phường ", "Thị trấn "]
            .iter()
            .find_map(|p| self.old_commune_name.strip_prefix(p))
            .unwrap_or(&self.old_commune_name)
    }
}

pub struct DemoProducer {
    pub legal_type: LegalType,
    pub name: String,
    pub tax_code: String,
    pub representative: String,
    pub phone: String,
    pub place: Place,
    pub street: String,
    pub established_on: Option<Date>,
    pub members_count: Option<i64>,
    pub channels: String,
}

pub struct DemoCertificate {
    pub number: String,
    pub stars: u8,
    /// Recognised by the Ministry (5★); otherwise by the city.
    pub central: bool,
    pub decision_number: String,
    pub decision_date: Date,
    pub signer: &'static str,
    pub issued_on: Date,
    pub expires_on: Date,
    pub revoked_on: Option<Date>,
    pub revocation_ground: Option<&'static str>,
    pub criteria_version: &'static str,
}

pub struct DemoProduct {
    pub producer: usize,
    pub code: String,
    pub name: String,
    pub sheet: &'static str,
    pub criteria_version: &'static str,
    pub gtin: Option<String>,
    pub description: String,
    pub packaging: &'static str,
    pub price: i64,
    pub certificates: Vec<DemoCertificate>,
}

pub struct Plan {
    pub producers: Vec<DemoProducer>,
    pub products: Vec<DemoProduct>,
}

/// Products first certified each year (2025: to 30 June), adding up to 1,649 by 2021 and 3,460
/// by mid-2025; then registrations of 2026 not yet rated.
const FIRST_CERTIFIED: [(i32, usize); 7] =
    [(2019, 420), (2020, 580), (2021, 649), (2022, 520), (2023, 560), (2024, 430), (2025, 301)];
const NOT_YET_RATED: usize = 180;
/// The published figures the demo is shaped after (`data/demo/hanoi-shape.json`): the products
/// in force by class at the end of 2021. Only the generator reads them; every figure the platform
/// shows is computed from the records written.
#[derive(serde::Deserialize)]
struct Shape {
    in_force: BTreeMap<domain::stats::StarClass, usize>,
}

fn end_2021_ranks() -> Vec<(u8, bool)> {
    let shape: Shape = serde_json::from_str(include_str!("../../../../data/demo/hanoi-shape.json"))
        .unwrap_or(Shape { in_force: BTreeMap::new() });
    let mut ranks = Vec::new();
    for (class, n) in shape.in_force {
        let rank = match class {
            domain::stats::StarClass::Five => (5, true),
            domain::stats::StarClass::PotentialFive => (5, false),
            domain::stats::StarClass::Four => (4, false),
            domain::stats::StarClass::Three => (3, false),
        };
        ranks.extend(std::iter::repeat_n(rank, n));
    }
    ranks
}

fn day_in(rng: &mut Rng, year: i32, months: (u8, u8)) -> Date {
    let month = Month::try_from(u8::try_from(rng.range(i64::from(months.0), i64::from(months.1))).unwrap_or(months.0))
        .unwrap_or(Month::October);
    let day = u8::try_from(rng.range(1, 28)).unwrap_or(15);
    Date::from_calendar_date(year, month, day).unwrap_or(date!(2021 - 10 - 15))
}

fn person(rng: &mut Rng) -> String {
    format!("{} {} {}", rng.pick(words::FAMILY), rng.pick(words::MIDDLE), rng.pick(words::GIVEN))
}

impl Plan {
    /// `sequences`: the last sequence number already given per commune and year.
    pub fn generate(seed: u64, places: &[Place], sequences: HashMap<(String, u16), u32>) -> Plan {
        let mut rng = Rng::new(seed);
        let mut tax_codes: HashSet<String> = HashSet::new();
        let mut gtins: HashSet<String> = HashSet::new();
        let by_district: BTreeMap<&str, Vec<&Place>> = places.iter().fold(BTreeMap::new(), |mut m, p| {
            m.entry(p.old_district.as_str()).or_insert_with(Vec::new).push(p);
            m
        });
        let districts: Vec<(&str, u32)> =
            words::DISTRICTS.iter().filter(|(d, _)| by_district.contains_key(d)).copied().collect();
        let district_weights: Vec<u32> = districts.iter().map(|(_, w)| *w).collect();

        // Every product's first certification year and rank, end-2021 ranks exact.
        let mut firsts: Vec<(i32, Option<u8>, bool)> = Vec::new(); // (year, stars, central)
        let mut end_2021 = end_2021_ranks();
        for i in (1..end_2021.len()).rev() {
            let j = usize::try_from(rng.below(i as u64 + 1)).unwrap_or(0);
            end_2021.swap(i, j);
        }
        let mut early = end_2021.into_iter();
        for (year, n) in FIRST_CERTIFIED {
            for _ in 0..n {
                let (stars, central) = if year <= 2021 {
                    early.next().unwrap_or((3, false))
                } else {
                    match rng.weighted(&[580, 400, 15, 5]) {
                        0 => (3, false),
                        1 => (4, false),
                        2 => (5, false),
                        _ => (5, true),
                    }
                };
                firsts.push((year, Some(stars), central));
            }
        }
        firsts.extend(std::iter::repeat_n((2026, None, false), NOT_YET_RATED));

        // Producers, most with one to four of those products, a few large cooperatives and
        // enterprises with eight to eighteen (the ones an inspection plan visits first).
        let mut producers: Vec<DemoProducer> = Vec::new();
        let mut owners: Vec<usize> = Vec::with_capacity(firsts.len());
        let mut remaining = firsts.len();
        while remaining > 0 {
            let large = rng.chance(30);
            let n =
                if large { usize::try_from(rng.range(8, 18)).unwrap_or(8) } else { rng.weighted(&[55, 28, 12, 5]) + 1 };
            let n = n.min(remaining);
            let district = districts[rng.weighted(&district_weights)].0;
            let place = rng.pick(&by_district[district]).clone();
            let first_year = 2019;
            producers.push(Self::producer(&mut rng, place, first_year, &mut tax_codes));
            owners.extend(std::iter::repeat_n(producers.len() - 1, n));
            remaining -= n;
        }
        // Interleave owners so that each year's products come from everywhere.
        for i in (1..owners.len()).rev() {
            let j = usize::try_from(rng.below(i as u64 + 1)).unwrap_or(0);
            owners.swap(i, j);
        }

        let mut sequences = sequences;
        // A producer makes the products of one sheet, its trade, taken from its first product
        // (an association only tourism, sheet 26); its name says that trade and is the only one
        // of its kind in its commune. A separate stream names them, so that every other figure
        // of the plan stays as the published shape makes it.
        let mut trades: Vec<Option<usize>> = vec![None; producers.len()];
        let mut naming = Rng::new(seed ^ 0x6e61_6d65);
        let mut names_taken: HashSet<(String, String)> = HashSet::new();
        let mut products_named: HashSet<(usize, String)> = HashSet::new();
        let tourism = SHEETS.iter().position(|s| s.sheet == "26").unwrap_or(0);
        let mut products = Vec::with_capacity(firsts.len());
        let mut number = 0u32;
        let sheet_weights: Vec<u32> = SHEETS.iter().map(|s| s.weight).collect();
        for (i, (year, stars, central)) in firsts.into_iter().enumerate() {
            let owner = owners[i];
            let drawn = rng.weighted(&sheet_weights);
            let trade = match trades[owner] {
                Some(t) => t,
                None => {
                    let t = if producers[owner].legal_type == LegalType::Association { tourism } else { drawn };
                    trades[owner] = Some(t);
                    let name = Self::unique_name(&mut naming, &producers[owner], SHEETS[t].sheet, &mut names_taken);
                    producers[owner].name = name;
                    t
                }
            };
            let words = &SHEETS[trade];
            let place = &producers[owner].place;
            let base = rng.pick(words.names);
            let name = if rng.chance(600) { format!("{base} {}", place.short()) } else { base.to_owned() };
            let seq = sequences
                .entry((place.commune.clone(), u16::try_from(year).unwrap_or(domain::product_code::FIRST_YEAR)))
                .or_insert(0);
            *seq += 1;
            let code = format!("01-{}-{:03}-{}", place.commune, seq, year);
            let gtin = rng.chance(350).then(|| {
                loop {
                    let mut twelve = [8, 9, 3, 0, 0, 0, 0, 0, 0, 0, 0, 0];
                    for d in twelve.iter_mut().skip(3) {
                        *d = rng.digit();
                    }
                    let g = Gtin::from_twelve(&twelve).gtin14();
                    if gtins.insert(g.clone()) {
                        break g;
                    }
                }
            });
            let price = rng.range(words.price_k.0, words.price_k.1) * 1000;
            let fitting = words::packaging_of(base).unwrap_or(words.packaging);
            let packaging = rng.pick(fitting);
            // The same product name twice from one producer is told apart by its packaging.
            let mut name = name;
            if !products_named.insert((owner, name.clone())) {
                name = format!("{name} ({})", packaging.to_lowercase());
                let mut n = 2;
                while !products_named.insert((owner, name.clone())) {
                    name = format!("{name} {n}");
                    n += 1;
                }
            }
            let mut certificates = Vec::new();
            if let Some(stars) = stars {
                let issued =
                    if year == 2025 { day_in(&mut rng, year, (1, 6)) } else { day_in(&mut rng, year, (8, 12)) };
                Self::certificate_chain(&mut rng, &mut number, issued, stars, central, &mut certificates);
            }
            let criteria = certificates.first().map_or(version_in_force(TODAY_FOR_DEMO), |c| c.criteria_version);
            products.push(DemoProduct {
                producer: owner,
                description: format!(
                    "{name}: sản phẩm của {} tại {} (dữ liệu mẫu, không phải sản phẩm thật).",
                    producers[owner].name, place.old_commune_name
                ),
                code,
                name,
                sheet: words.sheet,
                criteria_version: criteria,
                gtin,
                packaging,
                price,
                certificates,
            });
        }
        Plan { producers, products }
    }

    /// A name that says the producer's trade (for the kinds whose names say one) and that no
    /// other producer of its commune has.
    fn unique_name(naming: &mut Rng, p: &DemoProducer, sheet: &str, taken: &mut HashSet<(String, String)>) -> String {
        // A household business is named after its owner: two owners may share a name.
        if p.legal_type == LegalType::Household {
            return p.name.clone();
        }
        let short = p.place.short();
        let activity = naming.pick(words::trade(sheet));
        for attempt in 0..50 {
            let brand = if attempt == 0 { String::new() } else { format!("{} ", naming.pick(words::BRANDS)) };
            let name = match p.legal_type {
                LegalType::Cooperative => format!("HTX {activity} {brand}{short}"),
                LegalType::CooperativeGroup => format!("Tổ hợp tác {activity} {brand}{short}"),
                LegalType::Association => format!("Hiệp hội Du lịch cộng đồng {brand}{short}"),
                LegalType::Farm if attempt > 0 => format!("Trang trại {} {short}", naming.pick(words::GIVEN)),
                LegalType::Enterprise if attempt > 0 => {
                    let form = ["Công ty TNHH MTV", "Công ty TNHH", "Công ty Cổ phần"]
                        .into_iter()
                        .find(|f| p.name.starts_with(f))
                        .unwrap_or("Công ty TNHH");
                    format!("{form} {brand}{short}")
                }
                _ => p.name.clone(),
            };
            if taken.insert((p.place.commune.clone(), name.clone())) {
                return name;
            }
        }
        // A commune crowded with one trade: numbered, as registers do.
        (2..)
            .map(|n| format!("{} {n}", p.name))
            .find(|name| taken.insert((p.place.commune.clone(), name.clone())))
            .unwrap_or_else(|| p.name.clone())
    }

    fn producer(rng: &mut Rng, place: Place, first_year: i32, tax_codes: &mut HashSet<String>) -> DemoProducer {
        let legal_type = [
            LegalType::Cooperative,
            LegalType::Enterprise,
            LegalType::Household,
            LegalType::CooperativeGroup,
            LegalType::Farm,
            LegalType::Association,
        ][rng.weighted(&[34, 30, 28, 4, 3, 1])];
        let representative = person(rng);
        let short = place.short().to_owned();
        let name = match legal_type {
            LegalType::Cooperative => format!("HTX {} {short}", rng.pick(words::ACTIVITIES)),
            LegalType::CooperativeGroup => format!("Tổ hợp tác {} {short}", rng.pick(words::ACTIVITIES)),
            LegalType::Enterprise => {
                let form = rng.pick(&["Công ty TNHH", "Công ty Cổ phần", "Công ty TNHH MTV"]);
                format!("{form} {} {short}", rng.pick(words::BRANDS))
            }
            LegalType::Household => format!("Hộ kinh doanh {representative}"),
            LegalType::Farm => format!("Trang trại {} {short}", rng.pick(words::GIVEN)),
            LegalType::Association => format!("Hiệp hội Du lịch cộng đồng {short}"),
        };
        let tax_code = loop {
            let candidate = match legal_type {
                LegalType::Household | LegalType::Farm => {
                    let mut s = String::from("001");
                    s.push(if rng.chance(500) { '0' } else { '1' });
                    s.push_str(&format!("{:02}", rng.range(55, 99)));
                    (0..6).for_each(|_| s.push(char::from(b'0' + rng.digit())));
                    Some(s)
                }
                _ => {
                    let mut nine = [0, 1, 0, 0, 0, 0, 0, 0, 0];
                    for d in nine.iter_mut().skip(2) {
                        *d = rng.digit();
                    }
                    TaxCode::from_nine(nine).map(String::from)
                }
            };
            if let Some(code) = candidate
                && tax_codes.insert(code.clone())
            {
                break code;
            }
        };
        let prefix = rng.pick(&["09", "08", "03", "07"]);
        let phone = format!("{prefix}{:08}", rng.below(100_000_000));
        let members_count = match legal_type {
            LegalType::Cooperative => Some(rng.range(7, 150)),
            LegalType::CooperativeGroup => Some(rng.range(3, 20)),
            _ => None,
        };
        let mut channels: Vec<SalesChannel> = SalesChannel::ALL.iter().copied().filter(|_| rng.chance(300)).collect();
        if channels.is_empty() {
            channels.push(SalesChannel::OwnStore);
        }
        channels.sort();
        let street = match rng.below(3) {
            0 => format!("Thôn {}", rng.range(1, 12)),
            1 => format!("Xóm {}", rng.pick(&["Đông", "Tây", "Nam", "Bắc", "Chùa", "Đình", "Giữa"])),
            _ => format!("Số {} đường làng", rng.range(1, 200)),
        };
        DemoProducer {
            legal_type,
            name,
            tax_code,
            representative,
            phone,
            place,
            street,
            established_on: Date::from_calendar_date(
                i32::try_from(rng.range(1995, i64::from(first_year) - 1)).unwrap_or(2010),
                Month::try_from(u8::try_from(rng.range(1, 12)).unwrap_or(1)).unwrap_or(Month::January),
                u8::try_from(rng.range(1, 28)).unwrap_or(1),
            )
            .ok(),
            members_count,
            channels: SalesChannel::join(&channels),
        }
    }

    /// A first certificate and its re-ratings up to today; about one chain in a hundred ends in
    /// a revocation (never before 2022, so the end-2021 figures stand).
    fn certificate_chain(
        rng: &mut Rng,
        number: &mut u32,
        first: Date,
        stars: u8,
        central: bool,
        out: &mut Vec<DemoCertificate>,
    ) {
        let mut issued = first;
        let mut stars = stars;
        loop {
            *number += 1;
            let expires_on = expiry(issued);
            let revoke = issued.year() >= 2022 && rng.chance(12);
            let revoked_on = revoke.then(|| {
                let span = (expires_on.min(TODAY_FOR_DEMO) - issued).whole_days().max(30);
                issued + Duration::days(rng.range(20, span))
            });
            let decision_date = issued;
            out.push(DemoCertificate {
                number: domain::evaluation::certificate_number("01", issued.year(), *number),
                stars,
                central,
                decision_number: format!("{}/QĐ-{}", rng.range(1000, 6999), if central { "BNNMT" } else { "UBND" }),
                decision_date,
                signer: if central {
                    "Bộ trưởng Bộ Nông nghiệp và Môi trường"
                } else {
                    "Chủ tịch UBND Thành phố Hà Nội"
                },
                issued_on: issued,
                expires_on,
                revoked_on,
                revocation_ground: revoked_on.map(|_| rng.pick(words::REVOCATION_GROUNDS)),
                criteria_version: version_in_force(issued),
            });
            // Re-rated within the window before expiry (about two in three), or left to lapse.
            let renewal = expires_on - Duration::days(rng.range(80, 120));
            if revoke || renewal > TODAY_FOR_DEMO || !rng.chance(650) {
                break;
            }
            if !central && stars < 4 && rng.chance(120) {
                stars += 1;
            }
            issued = renewal;
        }
    }

    pub fn summary(&self, certificates: usize) -> Summary {
        let mid_2025 = date!(2025 - 06 - 30);
        let mut by_mid_2025 = 0;
        let mut revoked = 0;
        for p in &self.products {
            if p.certificates.first().is_some_and(|c| c.issued_on <= mid_2025) {
                by_mid_2025 += 1;
            }
            if p.certificates.iter().any(|c| c.revoked_on.is_some()) {
                revoked += 1;
            }
        }
        Summary {
            producers: self.producers.len(),
            products: self.products.len(),
            certificates,
            certified_by_mid_2025: by_mid_2025,
            revoked,
            not_yet_rated: self.products.iter().filter(|p| p.certificates.is_empty()).count(),
            ..Summary::default()
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn places() -> Vec<Place> {
        words::DISTRICTS
            .iter()
            .enumerate()
            .map(|(i, (d, _))| Place {
                old_district: (*d).to_owned(),
                old_district_name: format!("Huyện {d}"),
                old_commune: format!("{:05}", 100 + i),
                old_commune_name: "Xã Bát Tràng".into(),
                commune: format!("{:05}", 200 + i),
                commune_name: "Xã Bát Tràng".into(),
            })
            .collect()
    }

    #[test]
    fn the_shape_matches_the_public_figures_and_is_deterministic() {
        let a = Plan::generate(2021, &places(), HashMap::new());
        let s = a.summary(0);
        assert_eq!(end_2021_ranks().len(), 1649, "the shape file's figures");
        assert_eq!(s.certified_by_mid_2025, 3460);
        assert_eq!(s.not_yet_rated, 180);
        assert!(s.revoked > 0, "some certificates are revoked");
        let expired = a
            .products
            .iter()
            .filter(|p| p.certificates.last().is_some_and(|c| c.expires_on < TODAY_FOR_DEMO && c.revoked_on.is_none()))
            .count();
        assert!(expired > 100, "some certificates have lapsed: {expired}");
        let b = Plan::generate(2021, &places(), HashMap::new());
        assert_eq!(
            a.products.iter().map(|p| &p.code).collect::<Vec<_>>(),
            b.products.iter().map(|p| &p.code).collect::<Vec<_>>()
        );
        let types: HashSet<LegalType> = a.producers.iter().map(|p| p.legal_type).collect();
        assert_eq!(types.len(), LegalType::ALL.len(), "every legal type appears");
    }

    #[test]
    fn producers_names_products_and_packaging_agree() {
        let plan = Plan::generate(2021, &places(), HashMap::new());
        let mut sheets: HashMap<usize, HashSet<&str>> = HashMap::new();
        for x in &plan.products {
            sheets.entry(x.producer).or_default().insert(x.sheet);
            if let Some(fits) = words::packaging_of(&x.name) {
                assert!(fits.contains(&x.packaging), "{} in {}", x.name, x.packaging);
            }
        }
        for (owner, made) in &sheets {
            let p = &plan.producers[*owner];
            assert_eq!(made.len(), 1, "{} makes one sheet's products: {made:?}", p.name);
            let sheet = made.iter().next().copied().unwrap_or_default();
            if p.legal_type == LegalType::Association {
                assert_eq!(sheet, "26", "an association registers tourism only");
            }
            if matches!(p.legal_type, LegalType::Cooperative | LegalType::CooperativeGroup) {
                assert!(words::trade(sheet).iter().any(|t| p.name.contains(t)), "{} makes sheet {sheet}", p.name);
            }
        }
        let mut seen = HashSet::new();
        for p in plan.producers.iter().filter(|p| p.legal_type != LegalType::Household) {
            assert!(seen.insert((p.place.commune.clone(), p.name.clone())), "{} twice in a commune", p.name);
        }
        let mut named = HashSet::new();
        for x in &plan.products {
            assert!(named.insert((x.producer, x.name.clone())), "{} twice from one producer", x.name);
        }
    }

    #[test]
    fn generated_values_pass_the_validators() {
        let plan = Plan::generate(7, &places(), HashMap::new());
        for p in &plan.producers {
            assert!(TaxCode::parse(&p.tax_code).is_ok(), "{}", p.tax_code);
            assert!(domain::phone::PhoneNumber::parse(&p.phone).is_ok(), "{}", p.phone);
        }
        for x in &plan.products {
            assert!(domain::product_code::ProductCode::parse(&x.code).is_ok(), "{}", x.code);
            if let Some(g) = &x.gtin {
                assert!(Gtin::parse(g).is_ok(), "{g}");
            }
            for pair in x.certificates.windows(2) {
                assert!(
                    pair[0].issued_on < pair[1].issued_on && pair[1].issued_on < pair[0].expires_on,
                    "re-rated before expiry"
                );
            }
        }
    }
}
