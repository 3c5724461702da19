use super::*;
use std::time::Duration;

#[test]
fn more_apps_are_server_app_pairs_and_each_becomes_a_target() {
    assert_eq!(
        parse_apps(" 101:201, 102:305;103:406 ").expect("pairs"),
        [(101, 201), (102, 305), (103, 406)]
    );
    assert!(parse_apps("").expect("none").is_empty());
    for bad in ["101", "101:0", "a:b", "101:201:3", "(not-a-pair)"] {
        let e = parse_apps(bad).expect_err(bad).to_string();
        assert!(
            e.contains("WU_RUNCLOUD_APPS") && e.contains("101:201"),
            "{e}"
        );
    }
    let raw = RawConstants {
        api_token: Some(ConstValue::Text("tok-123456".into())),
        server_id: Some(ConstValue::Int(101)),
        app_id: Some(ConstValue::Int(201)),
        apps: Some("101:201,102:305,102:305".into()),
        ..Default::default()
    };
    let c = Config::from_constants(&raw, Options::default()).expect("config");
    assert_eq!(
        c.extra_apps,
        [(102, 305)],
        "the first app and repeats are dropped"
    );
    let t = c.targets();
    assert_eq!(
        t.iter()
            .map(|c| (c.server_id, c.app_id))
            .collect::<Vec<_>>(),
        [(101, 201), (102, 305)]
    );
    assert_ne!(
        t[0].memory_key(),
        t[1].memory_key(),
        "each app remembered apart"
    );
}

fn t(s: &str) -> Option<ConstValue> {
    Some(ConstValue::Text(s.to_string()))
}

#[test]
fn missing_constants_follow_the_chosen_api() {
    assert_eq!(
        RawConstants::default().missing(),
        vec![CONST_API_TOKEN, CONST_SERVER_ID, CONST_APP_ID]
    );
    let v2 = RawConstants {
        api_key: t("k"),
        server_id: Some(ConstValue::Int(1)),
        ..Default::default()
    };
    assert_eq!(v2.missing(), vec![CONST_API_SECRET, CONST_APP_ID]);
    let empty = RawConstants {
        api_token: t("0"),
        server_id: t(""),
        app_id: t("5"),
        ..Default::default()
    };
    assert_eq!(empty.missing(), vec![CONST_API_TOKEN, CONST_SERVER_ID]);
}

#[test]
fn set_means_what_php_empty_says() {
    // Ultimate Multisite: `defined($c) && constant($c)`.
    for v in [
        ConstValue::Text(String::new()),
        ConstValue::Text("0".into()),
        ConstValue::Int(0),
        ConstValue::Other("null"),
        ConstValue::Other("false"),
        ConstValue::Other("a zero float"),
        ConstValue::Other("an empty array"),
    ] {
        assert!(!v.is_set(), "{v:?} is empty() in PHP");
    }
    for v in [
        ConstValue::Text("  ".into()),
        ConstValue::Text("0.0".into()),
        ConstValue::Int(-1),
        ConstValue::Other("true"),
        ConstValue::Other("a float"),
        ConstValue::Other("an array"),
    ] {
        assert!(v.is_set(), "{v:?} is not empty() in PHP");
    }
}

#[test]
fn token_wins_over_key_and_secret() {
    let raw = RawConstants {
        api_key: t("key"),
        api_secret: t("secret"),
        api_token: t("tok"),
        server_id: t("12"),
        app_id: Some(ConstValue::Int(34)),
        apps: None,
        server_ip: None,
        network_domain: None,
    };
    let c = Config::from_constants(&raw, Options::default()).map_err(|e| e.to_string());
    let c = c
        .as_ref()
        .map(|c| (c.credentials.version(), c.server_id, c.app_id, c.base_url()));
    assert_eq!(
        c,
        Ok((
            ApiVersion::V3,
            12,
            34,
            "https://manage.runcloud.io/api/v3".to_string()
        ))
    );
}

#[test]
fn ids_must_be_positive_integers_and_errors_name_the_constant() {
    for bad in [
        t("abc"),
        t("1/../2"),
        t("1?x=1"),
        t("1%2f2"),
        t("1 2"),
        t("99999999999999999999999"),
        t("-3"),
        t("1.5"),
        t("+4"),
        Some(ConstValue::Other("an array")),
    ] {
        let raw = RawConstants {
            api_token: t("tok"),
            server_id: bad.clone(),
            app_id: t("1"),
            ..Default::default()
        };
        let e = Config::from_constants(&raw, Options::default())
            .err()
            .map(|e| e.to_string())
            .unwrap_or_default();
        assert!(
            e.contains(CONST_SERVER_ID) && e.contains("positive integer"),
            "{bad:?}: {e}"
        );
    }
}

#[test]
fn a_zero_id_is_not_set_as_in_ultimate_multisite() {
    for zero in [t("0"), Some(ConstValue::Int(0))] {
        let raw = RawConstants {
            api_token: t("tok"),
            server_id: zero.clone(),
            app_id: t("1"),
            ..Default::default()
        };
        assert_eq!(raw.missing(), vec![CONST_SERVER_ID], "{zero:?}");
    }
}

#[test]
fn debug_of_config_shows_no_secret() {
    let raw = RawConstants {
        api_key: t("KEY-1234567"),
        api_secret: t("SECRET-7654321"),
        server_id: t("1"),
        app_id: t("2"),
        ..Default::default()
    };
    let c = Config::from_constants(&raw, Options::default());
    let dbg = format!("{c:?}");
    assert!(dbg.contains("redacted"));
    assert!(
        !dbg.contains("KEY-1234567") && !dbg.contains("SECRET-7654321"),
        "{dbg}"
    );
}

#[test]
fn options_are_validated() {
    let mut o = Options::default();
    assert!(o
        .apply("timeout", &OptionValue::Int(5), "option \"timeout\"")
        .is_ok());
    assert_eq!(o.timeout, Duration::from_secs(5));
    assert!(o.apply("timeout", &OptionValue::Float(0.5), "t").is_ok());
    for bad in [
        OptionValue::Int(0),
        OptionValue::Int(1000),
        OptionValue::Text("x".into()),
        OptionValue::Bool(true),
    ] {
        assert!(o.apply("timeout", &bad, "t").is_err(), "{bad:?}");
    }
    assert!(o.apply("max_retries", &OptionValue::Int(11), "m").is_err());
    assert!(o
        .apply("www", &OptionValue::Text("sometimes".into()), "w")
        .is_err());
    assert!(o
        .apply("ssl", &OptionValue::Text("ADVANCED".into()), "s")
        .is_ok());
    assert_eq!(o.ssl, SslPolicy::Advanced);
    assert!(o
        .apply("ssl", &OptionValue::Text(String::new()), "s")
        .is_ok());
    assert_eq!(o.ssl, SslPolicy::Off);
    assert!(o
        .apply("log", &OptionValue::Text(String::new()), "l")
        .is_ok());
    assert_eq!(o.log, LogPolicy::Off);
    assert!(o.apply("log", &OptionValue::Text("1".into()), "l").is_ok());
    assert_eq!(o.log, LogPolicy::On);
    let e = o
        .apply("colour", &OptionValue::Int(1), "c")
        .err()
        .map(|e| e.to_string())
        .unwrap_or_default();
    assert!(e.contains("Unknown option \"colour\""), "{e}");
    assert!(!applies(&mut o, "ca_file", "/no/such/file.pem"));
}

/// Whether `o` takes the text `value` for `key`.
fn applies(o: &mut Options, key: &str, value: &str) -> bool {
    o.apply(key, &OptionValue::Text(value.into()), "t").is_ok()
}

#[test]
fn api_url_is_checked() {
    let mut o = Options::default();
    assert!(applies(&mut o, "api_url", "http://127.0.0.1:8080/api/"));
    assert_eq!(o.api_url, "http://127.0.0.1:8080/api");
    for (url, valid) in [
        ("http://localhost:9/api", true),
        ("http://[::1]:9/api", true),
        ("http://127.1.2.3/api", true),
        ("https://manage.runcloud.io/api", true),
        ("ftp://x", false),
        ("https://", false),
        ("https://u:p@host/api", false),
        ("https://host/api/v3", false),
        ("https://host/api?x=1", false),
        ("manage.runcloud.io", false),
        ("http://example.com/api", false),
        // A remote host whose name merely starts like a loopback address.
        ("http://127.attacker.example/api", false),
        ("http://127.0.0.1.attacker.example/api", false),
        ("http://localhost.attacker.example/api", false),
        ("http://[::ffff:8.8.8.8]/api", false),
        ("https://host/api#x", false),
        ("https://host/a pi", false),
    ] {
        assert_eq!(applies(&mut o, "api_url", url), valid, "{url}");
    }
}
