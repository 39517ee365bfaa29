//! The workbench beyond plans: charts in both languages, the leader's view, and private
//! calendar feeds that can be revoked — against the real binary.

mod common;
use common::{csrf_of, signed_in, Server};

#[test]
fn charts_leader_view_and_calendar_feeds() {
    let t = fazhi_store::testing::fresh_sqlite("e2e_workbench");
    let server = Server::start(&t.url);
    let base = server.base.clone();
    // Charts: SVG with the title in the page's language.
    let zh = ureq::get(&format!("{base}/charts/volume.svg"))
        .call()
        .unwrap();
    assert_eq!(zh.content_type(), "image/svg+xml");
    let zh = zh.into_string().unwrap();
    assert!(
        zh.contains("<svg") && zh.contains("各程序每月收件量") && zh.contains("政府信息公开申请")
    );
    let en = ureq::get(&format!("{base}/charts/on-time.svg?lang=en"))
        .call()
        .unwrap()
        .into_string()
        .unwrap();
    assert!(en.contains("On-time rate per unit"));
    let plan = ureq::get(&format!("{base}/charts/plan/1.svg"))
        .call()
        .unwrap()
        .into_string()
        .unwrap();
    assert!(plan.contains("工作安排事项完成情况"));

    // The leader's view is for overseers.
    let sup = signed_in(&base, "fazhiban");
    let page = sup
        .get(&format!("{base}/leader"))
        .call()
        .unwrap()
        .into_string()
        .unwrap();
    assert!(page.contains("按期办结率") && page.contains("市政府办公室"));
    let officer = signed_in(&base, "bangongshi");
    assert!(matches!(
        officer.get(&format!("{base}/leader")).call(),
        Err(ureq::Error::Status(403, _))
    ));

    // A private feed: issued once, serves the unit's deadlines, stops when revoked.
    let home = officer
        .get(&format!("{base}/home"))
        .call()
        .unwrap()
        .into_string()
        .unwrap();
    let csrf = csrf_of(&home);
    let shown = officer
        .post(&format!("{base}/feeds"))
        .send_form(&[("csrf", &csrf)])
        .unwrap()
        .into_string()
        .unwrap();
    let at = shown
        .find("/feeds/fzf_")
        .expect("the feed address is shown");
    let path = &shown[at..at + shown[at..].find('"').unwrap()];
    let ics = ureq::get(&format!("{base}{path}")).call().unwrap();
    assert!(ics.content_type().starts_with("text/calendar"));
    let ics = ics.into_string().unwrap();
    assert!(ics.contains("BEGIN:VCALENDAR") && ics.contains("BEGIN:VEVENT"));
    assert!(
        ics.contains("政府信息公开申请") && ics.contains("工作安排"),
        "case deadlines and plan items"
    );
    assert!(
        !ics.contains("刘芳") && !ics.contains("赵强"),
        "no personal data in a feed"
    );
    officer
        .post(&format!("{base}/feeds/revoke"))
        .send_form(&[("csrf", &csrf)])
        .unwrap();
    assert!(matches!(
        ureq::get(&format!("{base}{path}")).call(),
        Err(ureq::Error::Status(404, _))
    ));
    // "What changed since my last visit": a change to my unit after one visit shows on the next.
    let other = signed_in(&base, "bangongshi");
    let profile = ureq::json!({"address": "江北大道 1 号", "phone": "0827-5261000", "office_hours": "9:00-17:30", "disclosure_contact": "政务公开科"});
    other
        .put(&format!("{base}/api/v1/units/general-office/profile"))
        .send_json(profile)
        .unwrap();
    let again = officer
        .get(&format!("{base}/home"))
        .call()
        .unwrap()
        .into_string()
        .unwrap();
    assert!(
        again.contains("自上次访问以来本单位的变化") && again.contains("profile.update"),
        "changes since the last visit"
    );
    let monthly = ureq::get(&format!("{base}/charts/on-time-monthly.svg"))
        .call()
        .unwrap()
        .into_string()
        .unwrap();
    assert!(monthly.contains("各程序按月按期办结率"));
}
