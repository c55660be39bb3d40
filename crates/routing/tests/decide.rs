//! The routing decision against the seed's examples (seed 000 §4.5.2–4.5.3), the
//! toll-fraud policy (seed 001, issue 4), inbound numbers, and a no-panic property test.

use proptest::prelude::*;
use std::collections::BTreeSet;
use vpbx_model::Extension;
use vpbx_routing::{
    decide, route_inbound, Attempt, Direction, DirectionKind, InboundNumber, InboundTarget,
    Pattern, PhoneNumber, Policy, Refusal, Target, TenantRouting, Verdict,
};

fn ext(s: &str) -> Extension {
    s.parse().unwrap()
}

fn direction(
    id: i64,
    kind: &str,
    pattern: Option<&str>,
    strip: u8,
    prefix: &str,
    trunks: &[&str],
) -> Direction {
    Direction {
        id,
        kind: kind.parse().unwrap(),
        pattern: pattern.map(|p| p.parse().unwrap()),
        strip,
        prefix: prefix.parse().unwrap(),
        trunks: trunks.iter().map(|t| t.parse().unwrap()).collect(),
        priority: 1,
        enabled: true,
    }
}

fn tenant(directions: Vec<Direction>) -> TenantRouting {
    TenantRouting {
        extensions: ["1000", "1001", "112"]
            .into_iter()
            .map(ext)
            .collect::<BTreeSet<_>>(),
        numbers: vec![InboundNumber {
            number: "+7(495)2216005".parse().unwrap(),
            trunk: "sip-74952216005".parse().unwrap(),
            target: "ext:1001".parse().unwrap(),
        }],
        directions,
        policy: Policy::default(),
    }
}

fn attempts(t: &TenantRouting, to: &str) -> Vec<(String, String)> {
    match decide(t, &ext("1000"), to).target {
        Target::Trunks { attempts } => attempts
            .into_iter()
            .map(|Attempt { trunk, number, .. }| (trunk.to_string(), number))
            .collect(),
        other => panic!("expected trunks for {to}, got {other:?}"),
    }
}

fn refusal(t: &TenantRouting, to: &str) -> Refusal {
    match decide(t, &ext("1000"), to).target {
        Target::Refused { refusal } => refusal,
        other => panic!("expected a refusal for {to}, got {other:?}"),
    }
}

fn pair(trunk: &str, number: &str) -> (String, String) {
    (trunk.to_owned(), number.to_owned())
}

/// Seed 000 §4.5.3: "the user dials 082 55123, the trunk must get 55123: pattern _082XXXXX,
/// substruct4other 3".
#[test]
fn seed_other_direction_strips_three() {
    let t = tenant(vec![direction(
        1,
        "other",
        Some("_082XXXXX"),
        3,
        "",
        &["city"],
    )]);
    assert_eq!(attempts(&t, "082 55123"), [pair("city", "55123")]);
}

/// Seed 000 §4.5.2 `dialplan_rg_substruct` = 1 with `dial_rg_prefix` = 8: the user dials
/// +79257410726; (2) the system removes '+'; (3) strips one digit, the 7; (5) adds 8;
/// (6) the trunk gets 8 + the remaining ten digits. The seed prints 9252659665 /
/// 89252659665 in steps 4 and 6, which are not the digits of the dialed number (a typo:
/// stripping one digit of 79257410726 leaves 9257410726); the rule gives 89257410726.
#[test]
fn seed_regional_rewrite() {
    let t = tenant(vec![direction(
        1,
        "regional",
        None,
        1,
        "8",
        &["newoperator"],
    )]);
    assert_eq!(
        attempts(&t, "+79257410726"),
        [pair("newoperator", "89257410726")]
    );
    // The same rule serves the other regional forms users dial.
    assert_eq!(
        attempts(&t, "79257410726"),
        [pair("newoperator", "89257410726")]
    );
    assert_eq!(
        attempts(&t, "8 925 741-07-26"),
        [pair("newoperator", "89257410726")]
    );
    // Seed 002's trace example number.
    assert_eq!(
        attempts(&t, "89001758964"),
        [pair("newoperator", "89001758964")]
    );
}

#[test]
fn extension_wins_first() {
    let t = tenant(vec![direction(1, "other", Some("_XXXX"), 0, "", &["city"])]);
    let d = decide(&t, &ext("1000"), "1001");
    assert_eq!(
        d.target,
        Target::Extension {
            extension: ext("1001")
        }
    );
    assert!(d
        .trace
        .iter()
        .any(|s| s.rule == "extensions" && s.verdict == Verdict::Matched));
    // An extension that is also an emergency number still wins, with a warning.
    let d = decide(&t, &ext("1000"), "112");
    assert_eq!(
        d.target,
        Target::Extension {
            extension: ext("112")
        }
    );
    assert!(d
        .trace
        .iter()
        .any(|s| s.why.contains("also an emergency number")));
}

#[test]
fn emergency_always_allowed() {
    let mut t = tenant(vec![direction(1, "emergency", None, 0, "0", &["city"])]);
    t.extensions.remove(&ext("112"));
    assert_eq!(attempts(&t, "112"), [pair("city", "0112")]);
    assert_eq!(attempts(&t, "03"), [pair("city", "003")]);
    assert_eq!(attempts(&t, "103"), [pair("city", "0103")]);
    assert!(matches!(refusal(&t, "105"), Refusal::NoRoute(_)));
}

#[test]
fn international_refused_unless_allowed() {
    let mut t = tenant(vec![direction(
        1,
        "international",
        None,
        0,
        "810",
        &["intl"],
    )]);
    assert!(matches!(
        refusal(&t, "810390612345678"),
        Refusal::NotAllowed(_)
    ));
    t.policy.international_allowed = true;
    // Every access code reaches the trunk as 810 + E.164 digits (seed dial_mn_prefix 810).
    for dialed in ["810390612345678", "00390612345678", "+390612345678"] {
        assert_eq!(attempts(&t, dialed), [pair("intl", "810390612345678")]);
    }
    // Allow-list by prefix (seed 001 calls only listed countries).
    t.policy.allow_prefixes = vec!["375".parse().unwrap(), "7727".parse().unwrap()];
    assert!(matches!(
        refusal(&t, "+390612345678"),
        Refusal::NotAllowed(_)
    ));
    assert_eq!(
        attempts(&t, "+375171234567"),
        [pair("intl", "810375171234567")]
    );
}

/// A catch-all `other` direction must not open international calls (toll fraud).
#[test]
fn other_direction_cannot_bypass_the_policy() {
    let t = tenant(vec![direction(1, "other", Some("_."), 0, "", &["any"])]);
    assert!(matches!(
        refusal(&t, "810390612345678"),
        Refusal::NotAllowed(_)
    ));
    assert!(matches!(
        refusal(&t, "+390612345678"),
        Refusal::NotAllowed(_)
    ));
    assert_eq!(attempts(&t, "89001758964"), [pair("any", "89001758964")]);
}

#[test]
fn most_specific_wins_then_priority_and_failover() {
    let mut cheap = direction(
        3,
        "regional",
        Some("_89XXXXXXXXX"),
        0,
        "",
        &["mobile-a", "mobile-b"],
    );
    cheap.priority = 2;
    let mut backup = direction(4, "regional", Some("_89XXXXXXXXX"), 1, "+7", &["mobile-c"]);
    backup.priority = 1;
    let t = tenant(vec![
        direction(1, "regional", None, 1, "8", &["city"]),
        direction(2, "other", Some("_X."), 0, "", &["any"]),
        cheap,
        backup,
    ]);
    assert_eq!(
        attempts(&t, "89001758964"),
        [
            pair("mobile-c", "+79001758964"),
            pair("mobile-a", "89001758964"),
            pair("mobile-b", "89001758964"),
        ]
    );
    // Landline: the built-in regional pattern beats the catch-all.
    assert_eq!(attempts(&t, "84952216005"), [pair("city", "84952216005")]);
    // Every direction is in the trace, with its verdict.
    let d = decide(&t, &ext("1000"), "89001758964");
    for id in 1..=4 {
        assert!(
            d.trace
                .iter()
                .any(|s| s.rule.starts_with(&format!("direction {id} "))),
            "direction {id} missing from {:#?}",
            d.trace
        );
    }
    let verdict = |id: i64| {
        d.trace
            .iter()
            .find(|s| s.rule.starts_with(&format!("direction {id} ")))
            .map(|s| s.verdict)
    };
    assert_eq!(verdict(1), Some(Verdict::Skipped));
    assert_eq!(verdict(2), Some(Verdict::Skipped));
    assert_eq!(verdict(3), Some(Verdict::Matched));
}

#[test]
fn disabled_directions_are_traced_not_used() {
    let mut d = direction(1, "regional", None, 0, "", &["city"]);
    d.enabled = false;
    let t = tenant(vec![d]);
    let decision = decide(&t, &ext("1000"), "89001758964");
    assert!(matches!(
        decision.target,
        Target::Refused {
            refusal: Refusal::NoRoute(_)
        }
    ));
    assert_eq!(
        decision
            .trace
            .iter()
            .filter(|s| s.verdict == Verdict::Skipped)
            .count(),
        1
    );
}

#[test]
fn bad_input_is_refused() {
    let t = tenant(vec![direction(1, "other", Some("_X."), 0, "", &["any"])]);
    assert!(matches!(refusal(&t, "12ab"), Refusal::InvalidNumber(_)));
    assert!(matches!(refusal(&t, ""), Refusal::InvalidNumber(_)));
    let d = decide(&t, &ext("2000"), "1001");
    assert!(matches!(
        d.target,
        Target::Refused {
            refusal: Refusal::UnknownCaller(_)
        }
    ));
    let strip_all = tenant(vec![direction(1, "other", Some("_XX"), 5, "", &["any"])]);
    assert!(matches!(
        refusal(&strip_all, "55"),
        Refusal::NothingToSend(1)
    ));
}

#[test]
fn inbound_numbers_as_the_carrier_sends_them() {
    let t = tenant(Vec::new());
    let to_1001 = Some(InboundTarget::Extension(ext("1001")));
    assert_eq!(route_inbound(&t, "74952216005"), to_1001);
    assert_eq!(route_inbound(&t, "+74952216005"), to_1001);
    assert_eq!(route_inbound(&t, "84952216005"), to_1001);
    assert_eq!(route_inbound(&t, "4952216005"), to_1001);
    assert_eq!(route_inbound(&t, "74952216006"), None);
    assert_eq!(route_inbound(&t, "garbage"), None);
    assert_eq!(
        "ext:1000".parse::<InboundTarget>().unwrap().to_string(),
        "ext:1000"
    );
    let main = "ivr:main".parse::<InboundTarget>().unwrap();
    assert_eq!(main, InboundTarget::Ivr("main".parse().unwrap()));
    assert_eq!(main.to_string(), "ivr:main");
    for bad in [
        "1000", "ext:1", "ivr:Main", "ivr:", "ext:", "queue:1", "disa:1", "DISA",
    ] {
        let e = bad.parse::<InboundTarget>().unwrap_err().to_string();
        assert!(e.starts_with("invalid target"), "{e}");
    }
    let e = "queue:1".parse::<InboundTarget>().unwrap_err().to_string();
    assert!(e.contains("use ext:NNNN, ivr:NAME or disa"), "{e}");
    let disa = "disa".parse::<InboundTarget>().unwrap();
    assert_eq!(disa, InboundTarget::Disa);
    assert_eq!(disa.to_string(), "disa");
}

proptest! {
    #[test]
    fn nothing_panics(input in "[0-9*#+XZNxzn_\\[\\]\\-.!a ()]{0,24}", other in "\\PC{0,24}") {
        let t = tenant(vec![
            direction(1, "regional", None, 1, "8", &["a"]),
            direction(2, "other", Some("_X!"), 30, "", &["b"]),
            direction(3, "international", None, 0, "810", &["c"]),
            direction(4, "emergency", None, 0, "", &["d"]),
        ]);
        for s in [&input, &other] {
            let _ = decide(&t, &ext("1000"), s);
            let _ = route_inbound(&t, s);
            let _ = s.parse::<PhoneNumber>().map(|n| n.display());
            if let Ok(p) = s.parse::<Pattern>() {
                let _ = p.matches(&input);
                let _ = p.matches(&other);
                prop_assert_eq!(p.as_str(), s.as_str());
            }
            let _ = s.parse::<DirectionKind>();
        }
    }

    #[test]
    fn xs_match_exactly_their_length(n in 1usize..16, digits in "[0-9]{0,20}") {
        let p: Pattern = format!("_{}", "X".repeat(n)).parse().unwrap();
        prop_assert_eq!(p.matches(&digits), digits.len() == n);
    }
}
