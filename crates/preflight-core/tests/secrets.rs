//! Secrets in a guide never leave it: the model, the exported run, a share
//! link, the first message of a shared run and the audit pack all carry
//! the masked text, and the masked copy is the same version of the guide.

use preflight_core::run::{audit, store};
use preflight_core::source::matches_hash;
use preflight_core::text::secrets::mask_text;
use preflight_core::{guide_hash, share, Action, Guide, Run};
use sha2::{Digest, Sha256};

const PASSWORD: &str = "Tr0ub4dor-and-3";
const KEY_LINE: &str = "MIIEowIBAAKCAQEA1c7+9z5Pad7OejecsQ0bu3aozN3tihPmljnnudb9G3HECdnH";
const JWT: &str =
    "eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiJkZXBsb3kiLCJpYXQiOjE3MDAwMDAwMDB9.c2lnbmF0dXJlLXNpZ25lZA";
const DB_PASSWORD: &str = "hunter2-pg-99";

fn guide_text() -> String {
    format!(
        "# Deploy the API\n\
         \n\
         ## Prepare\n\
         \n\
         - [ ] Log in to the console; the admin password: {PASSWORD}\n\
         - [ ] Install the deploy key:\n\
         \n\
         ```\n\
         -----BEGIN RSA PRIVATE KEY-----\n\
         {KEY_LINE}\n\
         lWu2/a1gB9JW5TBQ+AVpum9Okx7KfqkfBKL9mcHgSVhz9tq+GqmjXJQjBMiXhkrH\n\
         -----END RSA PRIVATE KEY-----\n\
         ```\n\
         \n\
         ## Release\n\
         \n\
         ```bash\n\
         curl -H \"Authorization: {JWT}\" https://api.internal/release\n\
         psql postgres://app:{DB_PASSWORD}@db.internal:5432/app -c 'select 1'\n\
         ```\n\
         \n\
         - [ ] Check the dashboard\n"
    )
}

fn assert_clean(what: &str, s: &str) {
    for secret in [PASSWORD, KEY_LINE, JWT, DB_PASSWORD, "lWu2/a1gB9JW5TBQ"] {
        assert!(!s.contains(secret), "{what} holds {secret}");
    }
}

/// A run of `text` recorded under `hash`, with every step checked.
fn run_of(text: &str, hash: &str) -> (Guide, Run) {
    let guide = Guide::parse(text);
    let t0 = 1_700_000_000_000;
    let mut run = Run::new(
        [3; 16],
        &guide,
        hash,
        "Ana",
        Default::default(),
        t0,
        Run::default_window(&guide, t0),
    );
    run.writer = "a".into();
    let plan = run.plan(&guide);
    let steps: Vec<String> = plan.run_steps().map(|(_, s)| s.id.clone()).collect();
    assert!(steps.len() >= 3, "{steps:?}");
    for (i, step) in steps.into_iter().enumerate() {
        let action = Action::Check {
            step,
            overridden: None,
        };
        run.record(&plan, t0 + 1_000 * (i as i64 + 1), "Ana", action)
            .expect("a step of the plan can be checked");
    }
    (guide, run)
}

#[test]
fn the_model_holds_no_secret() {
    let text = guide_text();
    let guide = Guide::parse(&text);
    let json = serde_json::to_string(&guide).unwrap();
    assert_clean("the model", &json);
    assert_clean("the steps", &format!("{:?}", guide.all_steps()));
    assert_clean("the blocks", &format!("{:?}", guide.phases));
    assert_eq!(guide.secret_lines, [5, 9, 18, 19]);
    let said: Vec<String> = guide
        .diagnostics
        .iter()
        .filter(|d| d.message.contains("credential"))
        .map(|d| format!("{}: {}", d.line, d.message))
        .collect();
    assert_eq!(
        said,
        [
            "5: this line seems to contain a credential (password); guides are shared, so use a placeholder such as $TOKEN",
            "9: this line seems to contain a credential (private key); guides are shared, so use a placeholder such as $TOKEN",
            "18: this line seems to contain a credential (JWT); guides are shared, so use a placeholder such as $TOKEN",
            "19: this line seems to contain a credential (password in URL); guides are shared, so use a placeholder such as $TOKEN",
        ]
    );
    // The masked copy is the same guide: same version, same steps.
    let masked = mask_text(&text).text.into_owned();
    assert_eq!(guide_hash(&masked), guide_hash(&text));
    let ids = |g: &Guide| {
        g.all_steps()
            .iter()
            .map(|s| s.id.clone())
            .collect::<Vec<_>>()
    };
    assert_eq!(ids(&Guide::parse(&masked)), ids(&guide));
}

#[test]
fn nothing_that_leaves_holds_a_secret() {
    let text = guide_text();
    let (_, mut run) = run_of(&text, &guide_hash(&text));
    // Which tab wrote is not part of a file.
    run.writer = String::new();
    let plan = run.plan(&Guide::parse(&text));

    let file = store::export(&run, "file", Some("deploy.md".into()), &text);
    assert_clean("the export", &file);
    let back = store::import(&file).expect("the export imports");
    assert_eq!(back.run, run, "the same run");
    assert_eq!(guide_hash(&back.guide.text), guide_hash(&text));

    let link = store::share_encode(&file).expect("small enough for a link");
    let shared = store::share_decode(&link).expect("the link opens");
    assert_clean("the share link", &shared.guide.text);
    assert_eq!(shared.run, run);

    let meta = share::meta_payload(&run, "file", None, &text);
    assert_clean("the first message of a shared run", &meta);
    assert!(store::import(&meta).is_ok());

    let md = audit::markdown(&run, &plan, &text, 0);
    assert_clean("the audit pack's Markdown", &md);
    assert!(md.contains("-----BEGIN RSA PRIVATE KEY-----"), "{md}");
    let html = audit::html(&run, &plan, 0);
    assert_clean("the audit pack's page", &html);
}

#[test]
fn a_run_recorded_under_the_raw_text_still_opens_and_exports() {
    let text = guide_text();
    let raw: String = Sha256::digest(text.as_bytes())
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect();
    assert_ne!(raw, guide_hash(&text));
    assert!(matches_hash(&text, &raw), "the raw text is that version");
    assert!(matches_hash(&text, &guide_hash(&text)));
    assert!(!matches_hash(&mask_text(&text).text, &raw));

    let (_, run) = run_of(&text, &raw);
    let file = store::export(&run, "file", None, &text);
    assert_clean("the export", &file);
    let back = store::import(&file).expect("the export of an older run imports");
    assert_eq!(back.run.current_guide_hash(), guide_hash(&text));
    assert_eq!(back.run.events, run.events);
}
