//! `fazhi discretion …` run as a real process.

use std::path::{Path, PathBuf};
use std::process::{Command, Output};

fn fazhi(args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_fazhi"))
        .args(args)
        .output()
        .expect("run fazhi")
}

fn text(o: &Output) -> (String, String) {
    (
        String::from_utf8_lossy(&o.stdout).into_owned(),
        String::from_utf8_lossy(&o.stderr).into_owned(),
    )
}

fn data_dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../../data/discretion")
}

fn tmp(name: &str) -> PathBuf {
    let d = std::env::temp_dir().join(format!("fazhi-disc-{}-{name}", std::process::id()));
    std::fs::create_dir_all(&d).unwrap();
    d
}

#[test]
fn check_shipped_files_and_golden_cases() {
    let mut args = vec!["discretion".to_string(), "check".to_string()];
    let mut files: Vec<_> = std::fs::read_dir(data_dir())
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter(|p| p.extension().is_some_and(|e| e == "toml"))
        .collect();
    files.sort();
    args.extend(files.iter().map(|p| p.display().to_string()));
    let o = Command::new(env!("CARGO_BIN_EXE_fazhi"))
        .args(&args)
        .output()
        .unwrap();
    let (out, err) = text(&o);
    assert!(o.status.success(), "{out}{err}");
    assert_eq!(out.matches("OK ").count(), 6, "{out}");
}

#[test]
fn check_reports_conflict_with_example_and_exits_2() {
    let src = std::fs::read_to_string(data_dir().join("air-119-2-burning.toml")).unwrap();
    let broken = src.replace(
        "party == unit && burned_kg > 200",
        "party == unit && burned_kg >= 200",
    );
    let p = tmp("check").join("air-broken.toml");
    std::fs::write(&p, broken).unwrap();
    let o = fazhi(&["discretion", "check", p.to_str().unwrap()]);
    let (_, err) = text(&o);
    assert_eq!(o.status.code(), Some(2), "{err}");
    assert!(err.contains("air-broken.toml"), "{err}");
    assert!(
        err.contains("unit-serious") && err.contains("unit-grave"),
        "{err}"
    );
    assert!(err.contains("burned_kg=200"), "{err}");
    assert!(
        err.contains("同时适用") && err.contains("both apply"),
        "{err}"
    );
}

#[test]
fn check_malformed_file_names_the_line() {
    let p = tmp("malformed").join("bad.toml");
    std::fs::write(
        &p,
        "id = \"bad\"\ntitle = { zh = \"x\", en = \"y\" }\nagency = 42\n",
    )
    .unwrap();
    let o = fazhi(&["discretion", "check", p.to_str().unwrap()]);
    let (_, err) = text(&o);
    assert_eq!(o.status.code(), Some(2));
    assert!(err.contains("bad.toml:3"), "{err}");
    assert!(
        err.contains("TOML 格式错误") && err.contains("malformed TOML"),
        "{err}"
    );
}

#[test]
fn evaluate_json_report() {
    let o = fazhi(&[
        "discretion",
        "evaluate",
        "food-safety-122-unlicensed",
        "--on",
        "2023-05-01",
        "--decision",
        "2023-06-01",
        "--fact",
        "goods_value=20000",
        "--fact",
        "days_operating=60",
        "--fact",
        "harm=none",
        "--decided",
        "250000",
        "--json",
    ]);
    let (out, err) = text(&o);
    assert!(o.status.success(), "{err}");
    let v: serde_json::Value = serde_json::from_str(&out).unwrap();
    assert_eq!(v["version"]["from"], "2021-04-29");
    assert_eq!(
        v["version"]["penalty_basis"]["article"],
        "第一百二十二条第一款"
    );
    assert_eq!(v["tier"]["id"], "large-ordinary");
    assert_eq!(v["recommended_fine"]["min_fen"], 20_000_000);
    assert_eq!(v["recommended_fine"]["max_yuan"], "240000.00");
    assert_eq!(v["statutory_fine"]["max_fen"], 40_000_000);
    assert_eq!(v["decision"]["requires_reason"], true);
    assert_eq!(v["decision"]["within_statutory"], true);
    assert!(v["explanation_zh"].as_array().unwrap().len() >= 5);
    assert!(v["explanation_en"]
        .as_array()
        .unwrap()
        .iter()
        .any(|l| l.as_str().unwrap().contains("penalty basis")));
}

#[test]
fn evaluate_text_with_leniency_cites_articles() {
    let o = fazhi(&[
        "discretion",
        "evaluate",
        "municipal-waste-42-dumping",
        "--on",
        "2023-05-01",
        "--decision",
        "2023-05-20",
        "--fact",
        "party=individual",
        "--fact",
        "volume_m3=1",
        "--fact",
        "harm=none",
        "--fact",
        "corrected_in_time=true",
    ]);
    let (out, err) = text(&o);
    assert!(o.status.success(), "{err}");
    assert!(
        out.contains("《行政处罚法》（2021）第三十三条第一款"),
        "{out}"
    );
    assert!(
        out.contains("Administrative Penalty Law (2021) Art 33(1)"),
        "{out}"
    );
    assert!(
        out.contains("不予行政处罚") && out.contains("no penalty"),
        "{out}"
    );
}

#[test]
fn evaluate_from_file() {
    let p = data_dir().join("air-119-2-burning.toml");
    let o = fazhi(&[
        "discretion",
        "evaluate",
        "--file",
        p.to_str().unwrap(),
        "--on",
        "2023-10-01",
        "--decision",
        "2023-10-15",
        "--fact",
        "party=unit",
        "--fact",
        "burned_kg=60",
        "--fact",
        "harm=none",
        "--json",
    ]);
    let (out, err) = text(&o);
    assert!(o.status.success(), "{err}");
    let v: serde_json::Value = serde_json::from_str(&out).unwrap();
    assert_eq!(v["tier"]["id"], "unit-serious");
}

#[test]
fn bad_input_exits_2_with_zh_and_en() {
    let cases: &[(&[&str], &[&str])] = &[
        (
            &[
                "--on",
                "2008-01-01",
                "--fact",
                "goods_value=1",
                "--fact",
                "days_operating=1",
                "--fact",
                "harm=none",
            ],
            &["没有施行中的版本", "no version in force", "2008-01-01"],
        ),
        (
            &[
                "--on",
                "2023-01-01",
                "--fact",
                "goods_value=1",
                "--fact",
                "days_operating=1",
                "--fact",
                "harm=none",
                "--fact",
                "colour=red",
            ],
            &["未知事实", "unknown fact 'colour'"],
        ),
        (
            &[
                "--on",
                "2023-01-01",
                "--fact",
                "goods_value=lots",
                "--fact",
                "days_operating=1",
                "--fact",
                "harm=none",
            ],
            &["类型错误", "goods_value"],
        ),
        (
            &[
                "--on",
                "2023-01-01",
                "--fact",
                "goods_value=1",
                "--fact",
                "days_operating=1",
            ],
            &["缺少事实", "missing fact 'harm'"],
        ),
        (
            &["--on", "2023-13-01", "--fact", "harm=none"],
            &["YYYY-MM-DD"],
        ),
        (&["--on", "2023-01-01", "--fact", "harm"], &["NAME=VALUE"]),
        (
            &[
                "--on",
                "2023-01-01",
                "--decision",
                "2023-02-01",
                "--fact",
                "goods_value=1",
                "--fact",
                "days_operating=1",
                "--fact",
                "harm=none",
                "--decided",
                "abc",
            ],
            &["bad_amount", "not an amount"],
        ),
    ];
    for (extra, want) in cases {
        let mut args = vec![
            "discretion",
            "evaluate",
            "food-safety-122-unlicensed",
            "--decision",
            "2023-06-01",
        ];
        if extra.contains(&"--decision") {
            args.truncate(3);
        }
        args.extend_from_slice(extra);
        let o = fazhi(&args);
        let (_, err) = text(&o);
        assert_eq!(o.status.code(), Some(2), "{args:?}: {err}");
        for w in *want {
            if *w == "bad_amount" {
                continue;
            }
            assert!(err.contains(w), "{args:?}: missing '{w}' in {err}");
        }
    }
    let o = fazhi(&[
        "discretion",
        "evaluate",
        "no-such-item",
        "--on",
        "2023-01-01",
    ]);
    assert_eq!(o.status.code(), Some(2));
    assert!(text(&o).1.contains("unknown discretion benchmark"));
}

#[test]
fn batch_evaluates_a_csv() {
    let d = tmp("batch");
    let cases = d.join("cases.csv");
    std::fs::write(&cases, "violation,decision,goods_value,days_operating,harm,corrected_in_time\n2023-05-01,2023-06-01,1500,20,none,\n2023-05-01,2023-06-01,1500,20,none,true\n2012-03-01,2012-05-01,8000,200,none,\n2008-01-01,2008-02-01,1,1,none,\n").unwrap();
    let out = d.join("out.csv");
    let o = fazhi(&[
        "discretion",
        "batch",
        "food-safety-122-unlicensed",
        "--cases",
        cases.to_str().unwrap(),
        "--out",
        out.to_str().unwrap(),
    ]);
    let (_, err) = text(&o);
    assert!(o.status.success(), "{err}");
    assert!(err.contains("evaluated 4 cases"), "{err}");
    let r = std::fs::read_to_string(&out).unwrap();
    let lines: Vec<&str> = r.lines().collect();
    assert_eq!(lines[0], "tier,adjustment,min_fen,max_fen,waivable");
    assert_eq!(lines[1], "small-minor,standard,5000000,6000000,false");
    assert_eq!(lines[2], "small-minor,no_penalty,,,false");
    assert_eq!(lines[3], "small-serious,standard,3000000,5000000,false");
    assert_eq!(lines[4], "error:no_version,,,,");
}

const TABLE: &str = "编号,违法行为,实施机关,违法依据,处罚依据,施行日期,事实,法定条件,法定处罚种类,法定罚款,倍数基数,阶次编号,裁量阶次,适用条件,处罚种类,罚款幅度,情形说明
waste-individual,个人随意倾倒生活垃圾,某县综合行政执法局,《城市生活垃圾管理办法》第十六条,《城市生活垃圾管理办法》第四十二条,2007-07-01,volume_m3:integer:体积（立方米）,,罚款,0-200,,low,轻微,volume_m3 <= 1,罚款,20-50,1立方米以下
waste-individual,,,,,2007-07-01,,,罚款,0-200,,mid,一般,volume_m3 > 1 && volume_m3 <= 5,罚款,50-100,1至5立方米
waste-individual,,,,,2007-07-01,,,罚款,0-200,,high,较重,volume_m3 > 5,罚款,100-200,5立方米以上
";

#[test]
fn import_csv_writes_checked_benchmarks() {
    let d = tmp("import");
    let t = d.join("table.csv");
    std::fs::write(&t, TABLE).unwrap();
    let outdir = d.join("out");
    let o = fazhi(&[
        "discretion",
        "import",
        t.to_str().unwrap(),
        "--out",
        outdir.to_str().unwrap(),
    ]);
    let (out, err) = text(&o);
    assert!(o.status.success(), "{out}{err}");
    let f = outdir.join("waste-individual.toml");
    let o = fazhi(&["discretion", "check", f.to_str().unwrap()]);
    assert!(o.status.success(), "{:?}", text(&o));
    let o = fazhi(&[
        "discretion",
        "evaluate",
        "--file",
        f.to_str().unwrap(),
        "--on",
        "2023-01-01",
        "--decision",
        "2023-02-01",
        "--fact",
        "volume_m3=3",
        "--fact",
        "harm=none",
        "--json",
    ]);
    let v: serde_json::Value = serde_json::from_str(&text(&o).0).unwrap();
    assert_eq!(v["tier"]["id"], "mid");
    assert_eq!(v["recommended_fine"]["max_yuan"], "100.00");

    // A table whose tiers leave a gap: written, but exit 2 with the finding.
    let t2 = d.join("gap.csv");
    std::fs::write(&t2, TABLE.replace("volume_m3 > 5,", "volume_m3 > 6,")).unwrap();
    let o = fazhi(&[
        "discretion",
        "import",
        t2.to_str().unwrap(),
        "--out",
        d.join("out2").to_str().unwrap(),
    ]);
    let (_, err) = text(&o);
    assert_eq!(o.status.code(), Some(2), "{err}");
    assert!(err.contains("volume_m3=6"), "{err}");

    let t3 = d.join("bad.csv");
    std::fs::write(&t3, "编号,违法行为\nx,y\n").unwrap();
    let o = fazhi(&["discretion", "import", t3.to_str().unwrap()]);
    assert_eq!(o.status.code(), Some(2));
    assert!(text(&o).1.contains("missing column"));
}

/// The same table as an .xlsx workbook, as agencies keep them, imports to the same benchmark.
#[test]
fn import_xlsx_reads_the_same_table() {
    let d = tmp("import-xlsx");
    let x = d.join("table.xlsx");
    let mut wb = rust_xlsxwriter::Workbook::new();
    let sheet = wb.add_worksheet();
    for (r, line) in TABLE.lines().filter(|l| !l.trim().is_empty()).enumerate() {
        let mut rdr = csv::ReaderBuilder::new()
            .has_headers(false)
            .from_reader(line.as_bytes());
        let record = rdr.records().next().unwrap().unwrap();
        for (c, cell) in record.iter().enumerate() {
            sheet.write_string(r as u32, c as u16, cell).unwrap();
        }
    }
    wb.save(&x).unwrap();
    let outdir = d.join("out");
    let o = fazhi(&[
        "discretion",
        "import",
        x.to_str().unwrap(),
        "--out",
        outdir.to_str().unwrap(),
    ]);
    assert!(o.status.success(), "{:?}", text(&o));
    let o = fazhi(&[
        "discretion",
        "check",
        outdir.join("waste-individual.toml").to_str().unwrap(),
    ]);
    assert!(o.status.success(), "{:?}", text(&o));
}
