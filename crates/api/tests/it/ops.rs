//! Health, metrics, OpenAPI, CORS, request ids, methods and timeouts.

use std::time::Duration;

use axum::body::Body;
use axum::http::{Method, Request, StatusCode, header};
use metrics_exporter_prometheus::PrometheusBuilder;
use serde_json::{Value, json};
use tributary_api::{ApiConfig, AppState, router};
use tributary_store::{Store, StoreOptions};
use tributary_testkit::Backend;

use crate::fixture::{App, config, send};

both!(
    healthz_metrics_and_wrong_methods,
    openapi_lists_every_route,
    cors_and_request_id_headers,
    slow_requests_time_out_in_json,
    serve_answers_on_a_socket_and_shuts_down,
);

async fn healthz_metrics_and_wrong_methods(backend: Backend) {
    let app = App::populated(backend).await;
    assert_eq!(app.ok("/healthz").await, json!({"status": "ok"}));
    // No recorder in this state: /metrics says so in JSON.
    app.fails("/metrics", StatusCode::NOT_FOUND, "metrics_disabled")
        .await;
    let post = Request::post("/v1/status")
        .body(Body::empty())
        .expect("request");
    let (status, body) = send(&app.router, post).await;
    assert_eq!(status, StatusCode::METHOD_NOT_ALLOWED, "{body}");
    assert_eq!(body["error"]["code"], "method_not_allowed");

    let recorder = PrometheusBuilder::new().build_recorder();
    let handle = recorder.handle();
    let with_metrics = router(AppState::new(app.store.clone(), config(), Some(handle)));
    let response = tower::ServiceExt::oneshot(
        with_metrics,
        Request::get("/metrics")
            .body(Body::empty())
            .expect("request"),
    )
    .await
    .expect("infallible");
    assert_eq!(response.status(), StatusCode::OK);
    let content_type = response.headers().get(header::CONTENT_TYPE).cloned();
    assert_eq!(
        content_type.as_ref().and_then(|v| v.to_str().ok()),
        Some("text/plain; version=0.0.4; charset=utf-8")
    );
}

async fn openapi_lists_every_route(backend: Backend) {
    let app = App::populated(backend).await;
    let doc = app.ok("/openapi.json").await;
    assert!(
        doc["openapi"].as_str().is_some_and(|v| v.starts_with("3.")),
        "{}",
        doc["openapi"]
    );
    let paths = doc["paths"].as_object().expect("paths");
    let mut listed: Vec<&str> = paths.keys().map(String::as_str).collect();
    listed.sort();
    assert_eq!(
        listed,
        [
            "/healthz",
            "/metrics",
            "/openapi.json",
            "/readyz",
            "/v1/accounts/{address}/balances",
            "/v1/accounts/{address}/history",
            "/v1/accounts/{address}/nfts",
            "/v1/accounts/{address}/portfolio",
            "/v1/events",
            "/v1/pools/{address}",
            "/v1/pools/{address}/history",
            "/v1/sse",
            "/v1/status",
            "/v1/tokens/{address}/holders",
            "/v1/ws",
        ]
    );
    for (path, item) in paths {
        assert!(item["get"].is_object(), "{path} has a GET");
    }
    let params = |path: &str| -> Vec<String> {
        let mut names: Vec<String> = paths[path]["get"]["parameters"]
            .as_array()
            .map(|ps| {
                ps.iter()
                    .filter_map(|p| p["name"].as_str().map(String::from))
                    .collect()
            })
            .unwrap_or_default();
        names.sort();
        names
    };
    assert_eq!(
        params("/v1/events"),
        [
            "address",
            "after",
            "chain",
            "contract",
            "event",
            "from_block",
            "limit",
            "to_block"
        ]
    );
    assert_eq!(
        params("/v1/tokens/{address}/holders"),
        ["address", "after", "chain", "limit"]
    );
    assert_eq!(
        params("/v1/accounts/{address}/balances"),
        ["address", "chain"]
    );
    let schemas = doc["components"]["schemas"].as_object().expect("schemas");
    for schema in [
        "ErrorBody",
        "EventsPage",
        "EventItem",
        "BalancesAnswer",
        "BalanceItem",
        "HoldersPage",
        "HolderItem",
        "StatusAnswer",
        "ChainStatus",
        "BlockJson",
        "Health",
    ] {
        assert!(
            schemas.contains_key(schema),
            "schema {schema} in {:?}",
            schemas.keys()
        );
    }
    // Every $ref points at a schema that exists.
    let mut refs = Vec::new();
    collect_refs(&doc, &mut refs);
    assert!(!refs.is_empty());
    for r in refs {
        let name = r.trim_start_matches("#/components/schemas/");
        assert!(schemas.contains_key(name), "dangling $ref {r}");
    }
}

fn collect_refs(v: &Value, out: &mut Vec<String>) {
    match v {
        Value::Object(map) => {
            for (k, v) in map {
                match (k.as_str(), v.as_str()) {
                    ("$ref", Some(r)) => out.push(r.to_string()),
                    _ => collect_refs(v, out),
                }
            }
        }
        Value::Array(items) => items.iter().for_each(|v| collect_refs(v, out)),
        _ => {}
    }
}

async fn cors_and_request_id_headers(backend: Backend) {
    let app = App::populated(backend).await;
    let request = Request::get("/v1/status")
        .header(header::ORIGIN, "https://app.example")
        .body(Body::empty())
        .expect("request");
    let response = tower::ServiceExt::oneshot(app.router.clone(), request)
        .await
        .expect("infallible");
    let headers = response.headers();
    assert_eq!(
        headers
            .get(header::ACCESS_CONTROL_ALLOW_ORIGIN)
            .and_then(|v| v.to_str().ok()),
        Some("https://app.example")
    );
    assert!(headers.get("x-request-id").is_some_and(|v| !v.is_empty()));

    let request = Request::get("/v1/status")
        .header(header::ORIGIN, "https://evil.example")
        .header("x-request-id", "abc-123")
        .body(Body::empty())
        .expect("request");
    let response = tower::ServiceExt::oneshot(app.router.clone(), request)
        .await
        .expect("infallible");
    assert!(
        response
            .headers()
            .get(header::ACCESS_CONTROL_ALLOW_ORIGIN)
            .is_none()
    );
    assert_eq!(
        response
            .headers()
            .get("x-request-id")
            .and_then(|v| v.to_str().ok()),
        Some("abc-123")
    );

    let preflight = Request::builder()
        .method(Method::OPTIONS)
        .uri("/v1/events")
        .header(header::ORIGIN, "https://app.example")
        .header(header::ACCESS_CONTROL_REQUEST_METHOD, "GET")
        .body(Body::empty())
        .expect("request");
    let response = tower::ServiceExt::oneshot(app.router.clone(), preflight)
        .await
        .expect("infallible");
    assert!(response.status().is_success(), "{}", response.status());
    assert!(
        response
            .headers()
            .get(header::ACCESS_CONTROL_ALLOW_METHODS)
            .is_some()
    );
}

async fn slow_requests_time_out_in_json(backend: Backend) {
    let app = App::populated(backend).await;
    // One connection, held by an open snapshot: a request waits for it past its timeout.
    let options = StoreOptions {
        max_connections: 1,
        acquire_timeout: Duration::from_secs(30),
        ..StoreOptions::default()
    };
    let store = Store::connect_with(&app.db.url, options)
        .await
        .expect("connect");
    let config = ApiConfig {
        request_timeout: Duration::from_millis(200),
        ..config()
    };
    let slow = router(AppState::new(store.clone(), config, None));
    let held = store.snapshot().await.expect("snapshot");
    let request = || {
        Request::get("/v1/events")
            .body(Body::empty())
            .expect("request")
    };
    let (status, body) = send(&slow, request()).await;
    assert_eq!(status, StatusCode::SERVICE_UNAVAILABLE, "{body}");
    assert_eq!(body["error"]["code"], "timeout");
    held.finish().await.expect("finish");
    let (status, body) = send(&slow, request()).await;
    assert_eq!(status, StatusCode::OK, "{body}");
}

async fn serve_answers_on_a_socket_and_shuts_down(backend: Backend) {
    use tokio::io::{AsyncReadExt, AsyncWriteExt};

    let app = App::populated(backend).await;
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
        .await
        .expect("bind");
    let addr = listener.local_addr().expect("local addr");
    let (stop, stopped) = tokio::sync::oneshot::channel::<()>();
    let state = AppState::new(app.store.clone(), config(), None);
    let server = tokio::spawn(tributary_api::serve(listener, state, async move {
        let _ = stopped.await;
    }));
    let mut socket = tokio::net::TcpStream::connect(addr).await.expect("connect");
    socket
        .write_all(b"GET /healthz HTTP/1.1\r\nhost: test\r\nconnection: close\r\n\r\n")
        .await
        .expect("write");
    let mut answer = String::new();
    socket.read_to_string(&mut answer).await.expect("read");
    assert!(answer.starts_with("HTTP/1.1 200"), "{answer}");
    assert!(answer.ends_with(r#"{"status":"ok"}"#), "{answer}");
    stop.send(()).expect("server still running");
    let outcome = tokio::time::timeout(Duration::from_secs(10), server)
        .await
        .expect("graceful shutdown within 10 s")
        .expect("server task");
    assert!(outcome.is_ok(), "{outcome:?}");
}
