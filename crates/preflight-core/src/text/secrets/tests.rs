use super::*;
use expect_test::{expect, Expect};
use proptest::prelude::*;

fn kinds(line: &str) -> Vec<&'static str> {
    scan_line(line).into_iter().map(|s| s.kind).collect()
}

/// The masked text, then each finding as `line: kind`.
fn check(input: &str, expected: Expect) {
    let masked = mask_text(input);
    let mut out = masked.text.to_string();
    if !out.ends_with('\n') {
        out.push('\n');
    }
    out.push_str("--\n");
    for f in &masked.findings {
        out.push_str(&format!("{}: {}\n", f.line, f.kind));
    }
    expected.assert_eq(&out);
    assert_eq!(mask_text(&masked.text).text, masked.text, "idempotent");
    assert!(
        mask_text(&masked.text).findings.is_empty(),
        "masked text is clean"
    );
    assert_eq!(masked.text.lines().count(), input.lines().count());
}

#[test]
fn finds_credentials() {
    assert_eq!(
        kinds(r#"  -d '{"email": "ops@example.com", "password": "xasdez-katjuc-zyttI2"}'"#),
        ["password"]
    );
    assert_eq!(kinds("export DB_PASSWORD=s3cr3t-Pa55"), ["password"]);
    assert_eq!(
        kinds("-H \"Authorization: Bearer eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiIx\""),
        ["bearer token"]
    );
    assert_eq!(
        kinds("aws_access_key_id = AKIAIOSFODNN7EXAMPLE"),
        Vec::<&str>::new()
    );
    assert_eq!(
        kinds("export AWS_KEY=AKIAQWERTYUIOPASDFGH"),
        ["AWS access key"]
    );
    // A key's armour alone is no secret: its body is (see `mask_text`).
    assert_eq!(kinds("-----BEGIN RSA PRIVATE KEY-----"), Vec::<&str>::new());
    assert_eq!(
        kinds("psql postgres://admin:hunter22x@db:5432/app"),
        ["password in URL"]
    );
}

#[test]
fn ignores_placeholders() {
    for line in [
        "-H \"Authorization: Bearer $TOKEN\"",
        "-H \"Authorization: Bearer YOUR_TOKEN_HERE\"",
        "password: <your-password>",
        "export PASSWORD=${DB_PASSWORD}",
        "token: xxxxxxxx",
        "Rotate the API token in the vault",
        "postgres://user@db/app",
        "                token = token_data[\"access_token\"]",
        "password: required for the admin user",
        "â=nf%ahâ ## rollback",
        "gh auth login --with-token < token.txt",
        "Set GITHUB_TOKEN to a token with the repo scope",
        "export AWS_ACCESS_KEY_ID=$AWS_ACCESS_KEY_ID",
        "Open https://hooks.slack.com/services/ in a browser",
        "eyJ is how a JSON object starts in base64",
        "curl -H \"Authorization: Bearer ${GITHUB_TOKEN}\" https://api.github.com",
        "The key file starts with `-----BEGIN RSA PRIVATE KEY-----`.",
        "mongodb+srv://cluster0.mongodb.net/app",
    ] {
        assert_eq!(kinds(line), Vec::<&str>::new(), "{line}");
        check_clean(line);
    }
}

fn check_clean(text: &str) {
    let masked = mask_text(text);
    assert!(matches!(masked.text, Cow::Borrowed(_)), "{text}");
    assert!(masked.findings.is_empty(), "{text}");
}

#[test]
fn long_lines_without_blanks_are_read_once() {
    // Each separator once re-read the rest of the line: quadratic.
    for line in [
        "password=".repeat(50_000),
        "token:".repeat(50_000),
        format!("={}", "AKIA".repeat(50_000)),
        format!(" {}", "eyJ.".repeat(50_000)),
        "://a:b@".repeat(50_000),
    ] {
        let found = scan_line(&line);
        assert!(found.iter().all(|s| s.end - s.start <= MAX_VALUE));
        assert!(found.windows(2).all(|w| w[0].end <= w[1].start));
    }
}

#[test]
fn masks() {
    assert_eq!(
        mask_line(r#"{"password": "xasdez-katjuc-zyttI2"}"#),
        r#"{"password": "••••••"}"#
    );
}

#[test]
fn masks_token_shapes() {
    check(
        "export AWS_ACCESS_KEY_ID=AKIAQWERTYUIOPASDFGH\n\
         aws_secret_access_key = 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\n\
         export AWS_SESSION=ASIAQWERTYUIOPASDFGH\n\
         gcloud --key AIzaSyD-9tSrke72PouQMnMX-a7eZSW0jkFMBWY\n\
         curl -H 'Authorization: eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiIxMjM0NTY3ODkwIn0.dozjgNryP4J3jVmNHl0w5N_XgL0n3I9PlFUP0THsR8U'\n\
         The session is eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiIxMjM0NTY3ODkwIn0.dozjgNryP4J3jVmN.\n\
         SLACK=xoxb-123456789012-1234567890123-AbCdEfGhIjKlMnOpQrStUvWx\n\
         curl -X POST https://hooks.slack.com/services/T0AAAAAAA/B0BBBBBBB/abcdefghijklmnopqrstuvwx\n\
         gh auth login --with-token ghp_a1b2c3d4e5f6g7h8i9j0k1l2m3n4o5p6q7r8\n\
         git clone https://oauth2:glpat-AbCdEfGhIjKlMnOpQrSt@gitlab.com/x/y.git\n\
         STRIPE_KEY=sk_live_4eC39HqLyjWDarjtT1zdp7dc\n\
         restricted: rk_live_4eC39HqLyjWDarjtT1zdp7dc\n\
         //registry.npmjs.org/:_authToken=npm_a1b2c3d4e5f6g7h8i9j0k1l2m3n4o5p6q7r8\n\
         GITHUB=github_pat_11ABCDEFG0123456789_abcdefghijklmnopqrstuvwxyz\n",
        expect![[r#"
            export AWS_ACCESS_KEY_ID=••••••
            aws_secret_access_key = ••••••
            export AWS_SESSION=••••••
            gcloud --key ••••••
            curl -H 'Authorization: ••••••'
            The session is ••••••.
            SLACK=••••••
            curl -X POST https://hooks.slack.com/services/••••••
            gh auth login --with-token ••••••
            git clone https://oauth2:••••••@gitlab.com/x/y.git
            STRIPE_KEY=••••••
            restricted: ••••••
            //registry.npmjs.org/:_authToken=••••••
            GITHUB=••••••
            --
            1: AWS access key
            2: AWS secret key
            3: AWS access key
            4: Google API key
            5: JWT
            6: JWT
            7: Slack token
            8: Slack webhook
            9: GitHub token
            10: password in URL
            11: Stripe key
            12: Stripe key
            13: token
            14: GitHub token
        "#]],
    );
}

#[test]
fn masks_connection_strings() {
    check(
        "psql postgres://app:Tr0ub4dor-3x@db.internal:5432/app\n\
         mongosh \"mongodb+srv://admin:c0rrect-h0rse@cluster0.mongodb.net/app\"\n\
         Server=db;Database=app;User Id=sa;Password=Sup3rS3cret!;\n\
         redis-cli -u redis://default:pa55w0rd-x@cache:6379 and https://a:b4tt3ry-st@c\n",
        expect![[r#"
            psql postgres://app:••••••@db.internal:5432/app
            mongosh "mongodb+srv://admin:••••••@cluster0.mongodb.net/app"
            Server=db;Database=app;User Id=sa;Password=••••••;
            redis-cli -u redis://default:••••••@cache:6379 and https://a:••••••@c
            --
            1: password in URL
            2: password in URL
            3: password
            4: password in URL
        "#]],
    );
}

#[test]
fn masks_private_keys_whole() {
    check(
        "Install the key:\n\
         \n\
         ```\n\
         -----BEGIN RSA PRIVATE KEY-----\n\
         MIIEowIBAAKCAQEA1c7+9z5Pad7OejecsQ0bu3aozN3tihPmljnnudb9G3HECdnH\n\
         lWu2/a1gB9JW5TBQ+AVpum9Okx7KfqkfBKL9mcHgSVhz9tq+GqmjXJQjBMiXhkrH\n\
         -----END RSA PRIVATE KEY-----\n\
         ```\n\
         \n\
         Then run `ssh-add`.\n",
        expect![[r#"
            Install the key:

            ```
            -----BEGIN RSA PRIVATE KEY-----
            ••••••
            ••••••
            -----END RSA PRIVATE KEY-----
            ```

            Then run `ssh-add`.
            --
            4: private key
        "#]],
    );
    // In YAML, indented; unterminated: to the end of its code block.
    check(
        "```yaml\n\
         tls:\n\
         \x20 key: |\n\
         \x20   -----BEGIN EC PRIVATE KEY-----\n\
         \x20   MHcCAQEEIBkg4LVWM9nuwNSk3yByxZpYRTBnVJk5oWqXXzRl4ypzoAoGCCqGSM49\n\
         \n\
         \x20   AwEHoUQDQgAE\n\
         ```\n\
         Keep going.\n",
        expect![[r#"
            ```yaml
            tls:
              key: |
                -----BEGIN EC PRIVATE KEY-----
                ••••••

                ••••••
            ```
            Keep going.
            --
            4: private key
        "#]],
    );
    // Outside a code block, unterminated: to the end of the text.
    check(
        "-----BEGIN OPENSSH PRIVATE KEY-----\nb3BlbnNzaC1rZXktdjEAAAAABG5vbmUAAAAEbm9uZQ\n> quoted too\n",
        expect![[r#"
            -----BEGIN OPENSSH PRIVATE KEY-----
            ••••••
            > ••••••
            --
            1: private key
        "#]],
    );
    assert_eq!(
        mask_text("-----BEGIN PRIVATE KEY-----\r\nabc\r\n").text,
        "-----BEGIN PRIVATE KEY-----\r\n••••••\r\n"
    );
}

#[test]
fn masks_service_account_keys() {
    check(
        r#"{
  "type": "service_account",
  "private_key_id": "3b1f8e2c9d7a4b6e",
  "private_key": "-----BEGIN PRIVATE KEY-----\nMIIEvQIBADANBgkqhkiG9w0BAQEFAASCBKcwggSjAgEAAoIBAQC7\n-----END PRIVATE KEY-----\n",
  "client_email": "deploy@project.iam.gserviceaccount.com"
}
"#,
        expect![[r#"
            {
              "type": "service_account",
              "private_key_id": "3b1f8e2c9d7a4b6e",
              "private_key": "••••••",
              "client_email": "deploy@project.iam.gserviceaccount.com"
            }
            --
            4: private key
        "#]],
    );
}

#[test]
fn leaves_prose_and_placeholders() {
    let text = "# Deploy\n\
                \n\
                - [ ] Set the password: required for the admin user\n\
                - [ ] `export TOKEN=$TOKEN`\n\
                - [ ] `curl -H \"Authorization: Bearer <token>\"`\n\
                - [ ] Paste the key (it starts with `-----BEGIN PRIVATE KEY-----`)\n\
                - [ ] password: YOUR_PASSWORD_HERE\n";
    check_clean(text);
}

#[test]
fn a_masked_text_keeps_its_lines() {
    let text = "a\npassword=hunter2-hunter2\n\nb";
    let masked = mask_text(text);
    assert_eq!(masked.text, "a\npassword=••••••\n\nb");
    assert_eq!(
        masked.findings,
        [Finding {
            line: 2,
            kind: "password"
        }]
    );
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(512))]

    #[test]
    fn masking_is_idempotent_and_keeps_lines(text in any::<String>()) {
        let once = mask_text(&text);
        prop_assert_eq!(once.text.split('\n').count(), text.split('\n').count());
        let twice = mask_text(&once.text);
        prop_assert_eq!(&twice.text, &once.text);
        prop_assert!(twice.findings.is_empty());
    }

    #[test]
    fn secret_looking_text_is_masked_idempotently(
        parts in proptest::collection::vec(prop_oneof![
            Just("password=".to_owned()),
            Just("token: ".to_owned()),
            Just("Bearer ".to_owned()),
            Just("://u:".to_owned()),
            Just("@".to_owned()),
            Just("AKIA".to_owned()),
            Just("ghp_".to_owned()),
            Just("eyJ".to_owned()),
            Just(".".to_owned()),
            Just("\"".to_owned()),
            Just("-----BEGIN RSA PRIVATE KEY-----".to_owned()),
            Just("-----END RSA PRIVATE KEY-----".to_owned()),
            Just("```".to_owned()),
            Just("\n".to_owned()),
            Just(" ".to_owned()),
            Just(MASK.to_owned()),
            "[A-Za-z0-9_/+-]{1,24}",
        ], 0..40)
    ) {
        let text: String = parts.concat();
        let once = mask_text(&text);
        prop_assert_eq!(once.text.split('\n').count(), text.split('\n').count());
        let twice = mask_text(&once.text);
        prop_assert_eq!(&twice.text, &once.text);
        prop_assert!(twice.findings.is_empty(), "{:?}", twice.findings);
    }
}

#[test]
fn every_key_word_ends_in_a_letter_the_scan_looks_for() {
    for (word, _) in KEY_WORDS {
        assert!(
            matches!(word.as_bytes().last(), Some(b'd' | b't' | b'n' | b'y')),
            "{word}"
        );
    }
}

#[test]
fn the_survey_of_a_text_agrees_with_each_line_alone() {
    let text = "plain prose\npassword: hunter2-hunter2\n\tghp_a1b2c3d4e5f6g7h8i9j0k1l2m3n4o5p6q7r8\r\nlast";
    let masked = mask_text(text);
    let by_line: String = text
        .split_inclusive('\n')
        .map(|l| {
            let body = l.trim_end_matches(['\n', '\r']);
            format!("{}{}", mask_line(body), &l[body.len()..])
        })
        .collect();
    assert_eq!(masked.text, by_line);
    assert_eq!(masked.findings.len(), 2);
}
