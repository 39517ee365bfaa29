use fazhi_org::{Directory, GroupDef, GroupMode, OrgErrorKind, Resolution, UnitDef, UnitKind};

fn dir() -> Directory {
    Directory::bundled_bazhong_2008()
}

fn unit_name(d: &Directory, name: &str) -> String {
    match d.resolve(name) {
        Resolution::Unit(k) => d.unit(&k).unwrap().name.clone(),
        other => panic!("{name}: expected one unit, got {other:?}"),
    }
}

#[test]
fn bundled_directory_loads_with_the_seed_units() {
    let d = dir();
    assert!(d.units().len() >= 40, "{}", d.units().len());
    for key in [
        "bazhong-city-government",
        "general-office",
        "legal-affairs-office",
        "supervision-bureau",
        "finance-bureau",
        "audit-bureau",
        "statistics-bureau",
        "personnel-bureau",
        "government-services-centre",
        "target-supervision-office",
        "efficiency-office",
        "petition-bureau",
        "emergency-office",
        "trade-park-committee",
        "industrial-park-committee",
        "bazhou-district-government",
        "tongjiang-county-government",
        "nanjiang-county-government",
        "pingchang-county-government",
    ] {
        assert!(d.unit(key).is_some(), "missing {key}");
    }
    assert_eq!(d.level_prefix(), "市");
}

#[test]
fn aliases_of_the_legal_affairs_office() {
    let d = dir();
    for n in [
        "法制",
        "市政府法制办",
        "市政府法制办公室",
        "市法制办",
        "巴中市政府法制办公室",
        " 市政府 法制办 ",
    ] {
        assert_eq!(unit_name(&d, n), "市政府法制办公室", "{n}");
    }
}

#[test]
fn seed_abbreviations_resolve_by_issuer_level_and_stem() {
    let d = dir();
    let expected = [
        ("监察", "市监察局"),
        ("财政", "市财政局"),
        ("审计", "市审计局"),
        ("统计", "市统计局"),
        ("人事", "市人事局"),
        ("法制", "市政府法制办公室"),
        ("政务中心", "市政务服务中心"),
        ("政府目标督查机构", "市政府目标督查室"),
        ("政府督查机构", "市政府目标督查室"),
        ("市政府应急办", "市政府应急办公室"),
        ("应急办", "市政府应急办公室"),
        ("市人事局(市编办)", "市人事局"),
        ("市人事局（市编办）", "市人事局"),
        ("巴州区人民政府", "巴州区人民政府"),
        ("南江县人民政府", "南江县人民政府"),
        ("市经济开发区商贸园管委会", "市经济开发区商贸园管委会"),
        ("工业园管委会", "市经济开发区工业园管委会"),
        ("发展和改革", "市发展和改革委员会"),
        ("巴中市财政局", "市财政局"),
    ];
    for (written, canonical) in expected {
        assert_eq!(unit_name(&d, written), canonical, "{written}");
    }
}

#[test]
fn groups_expand_or_ask_to_choose() {
    let d = dir();
    match d.resolve("市级各部门") {
        Resolution::Group { group_key, units } => {
            assert_eq!(group_key, "municipal-departments");
            assert!(units.contains(&"finance-bureau".to_string()));
            assert!(units.contains(&"legal-affairs-office".to_string()));
            assert!(!units.contains(&"bazhou-district-government".to_string()));
            assert!(!units.contains(&"trade-park-committee".to_string()));
            assert!(!units.contains(&"bazhong-city-government".to_string()));
        }
        other => panic!("{other:?}"),
    }
    match d.resolve("各县（区）人民政府") {
        Resolution::Group { units, .. } => assert_eq!(
            d.canonical_names(&Resolution::Group {
                group_key: String::new(),
                units
            }),
            [
                "巴州区人民政府",
                "通江县人民政府",
                "南江县人民政府",
                "平昌县人民政府"
            ]
        ),
        other => panic!("{other:?}"),
    }
    assert_eq!(
        d.resolve("市级相关部门"),
        Resolution::ChooseFromGroup {
            group_key: "related-municipal-departments".into()
        }
    );
    assert!(!d.group_members("related-municipal-departments").is_empty());
}

#[test]
fn unknown_names_are_never_guessed() {
    let d = dir();
    assert!(matches!(
        d.resolve("市外星人事务局"),
        Resolution::Unknown { .. }
    ));
    assert!(matches!(d.resolve(""), Resolution::Unknown { .. }));
    assert!(matches!(d.resolve("市"), Resolution::Unknown { .. }));
    // A suggestion, but not an answer.
    match d.resolve("市财政厅") {
        Resolution::Unknown { suggestions } => {
            assert!(suggestions.contains(&"finance-bureau".to_string()))
        }
        other => panic!("{other:?}"),
    }
}

#[test]
fn ambiguous_stems_are_unknown_with_both_suggested() {
    let units = vec![
        unit("city", "甲市人民政府", UnitKind::Government, None, &[]),
        unit("a", "市督查室", UnitKind::Office, Some("city"), &[]),
        unit("b", "市督查中心", UnitKind::Office, Some("city"), &[]),
    ];
    let d = Directory::from_parts(units, vec![]).unwrap();
    assert_eq!(
        d.resolve("督查"),
        Resolution::Unknown {
            suggestions: vec!["a".into(), "b".into()]
        }
    );
    assert_eq!(d.resolve("甲市督查室"), Resolution::Unit("a".into()));
}

#[test]
fn from_parts_round_trips_the_bundled_directory_with_extra_aliases() {
    let d = dir();
    let mut units = d.units().to_vec();
    let groups = d.groups().to_vec();
    units
        .iter_mut()
        .find(|u| u.key == "finance-bureau")
        .unwrap()
        .aliases
        .push("市财政".into());
    let d2 = Directory::from_parts(units, groups).unwrap();
    assert_eq!(
        d2.resolve("市财政"),
        Resolution::Unit("finance-bureau".into())
    );
    assert_eq!(d2.units().len(), d.units().len());
}

fn unit(key: &str, name: &str, kind: UnitKind, parent: Option<&str>, aliases: &[&str]) -> UnitDef {
    UnitDef {
        key: key.into(),
        name: name.into(),
        name_en: key.into(),
        kind,
        parent: parent.map(Into::into),
        aliases: aliases.iter().map(|a| a.to_string()).collect(),
    }
}

#[test]
fn validation_errors_name_file_and_line() {
    let dup_name = "[[unit]]\nkey = \"a\"\nname = \"市甲局\"\nname_en = \"A\"\nkind = \"department\"\n\n[[unit]]\nkey = \"b\"\nname = \"市甲局\"\nname_en = \"B\"\nkind = \"department\"\n";
    let e = Directory::from_toml_str(dup_name, "x.toml").unwrap_err();
    assert_eq!(e.line, Some(9));
    assert!(matches!(e.kind, OrgErrorKind::DuplicateName { .. }));
    assert!(
        e.to_string().starts_with("x.toml:9: duplicate unit name"),
        "{e}"
    );

    let bad_parent = "[[unit]]\nkey = \"a\"\nname = \"市甲局\"\nname_en = \"A\"\nkind = \"department\"\nparent = \"nowhere\"\n";
    let e = Directory::from_toml_str(bad_parent, "y.toml").unwrap_err();
    assert_eq!((e.file.as_str(), e.line), ("y.toml", Some(6)));
    assert!(matches!(e.kind, OrgErrorKind::UnknownParent { .. }));

    let clash = "[[unit]]\nkey = \"a\"\nname = \"市甲局\"\nname_en = \"A\"\nkind = \"department\"\n\n[[unit]]\nkey = \"b\"\nname = \"市乙局\"\nname_en = \"B\"\nkind = \"department\"\naliases = [\"乙\",\n  \"市甲局\"]\n";
    let e = Directory::from_toml_str(clash, "z.toml").unwrap_err();
    assert_eq!(e.line, Some(13));
    assert!(matches!(e.kind, OrgErrorKind::AliasClash { .. }), "{e}");

    let dup_key = "[[unit]]\nkey = \"a\"\nname = \"市甲局\"\nname_en = \"A\"\nkind = \"department\"\n[[unit]]\nkey = \"a\"\nname = \"市乙局\"\nname_en = \"B\"\nkind = \"department\"\n";
    let e = Directory::from_toml_str(dup_key, "k.toml").unwrap_err();
    assert_eq!(e.line, Some(7));

    let syntax = "[[unit]]\nkey = \"a\"\nname = \n";
    let e = Directory::from_toml_str(syntax, "s.toml").unwrap_err();
    assert_eq!(e.line, Some(3));
    assert!(matches!(e.kind, OrgErrorKind::Syntax(_)));

    let unknown_kind =
        "[[unit]]\nkey = \"a\"\nname = \"市甲局\"\nname_en = \"A\"\nkind = \"ministry\"\n";
    assert!(Directory::from_toml_str(unknown_kind, "u.toml").is_err());
}

#[test]
fn group_with_unknown_member_is_rejected() {
    let units = vec![unit(
        "city",
        "甲市人民政府",
        UnitKind::Government,
        None,
        &[],
    )];
    let groups = vec![GroupDef {
        key: "g".into(),
        name: "某组".into(),
        name_en: "g".into(),
        mode: GroupMode::All,
        parent: None,
        kinds: vec![],
        units: vec!["missing".into()],
        aliases: vec![],
    }];
    let e = Directory::from_parts(units, groups).unwrap_err();
    assert_eq!(e.file, "<parts>");
    assert!(matches!(e.kind, OrgErrorKind::UnknownGroupUnit { .. }));
}

#[test]
fn parent_cycles_are_rejected() {
    let units = vec![
        unit("a", "市甲局", UnitKind::Department, Some("b"), &[]),
        unit("b", "市乙局", UnitKind::Department, Some("a"), &[]),
    ];
    assert!(matches!(
        Directory::from_parts(units, vec![]).unwrap_err().kind,
        OrgErrorKind::ParentCycle { .. }
    ));
}

#[test]
fn defs_serialise_and_deserialise() {
    let d = dir();
    let u = d.unit("legal-affairs-office").unwrap().clone();
    let text = toml::to_string(&u).unwrap();
    let back: UnitDef = toml::from_str(&text).unwrap();
    assert_eq!(back, u);
}

#[test]
fn resolve_never_panics() {
    let d = dir();
    proptest::proptest!(|(s in "\\PC{0,20}")| {
        let _ = d.resolve(&s);
    });
}
