//! Requests that a client without an account can make Tessera work for (sign-in, choosing a
//! password with a mailed link, EST enrollment) go through a few at a time; the others wait
//! here, as futures that take no CPU. Without this, a burst of a thousand sign-ins is a thousand
//! runnable tasks: each is refused cheaply (`tessera_engine::throttle`), but a health check or
//! an operator's page arriving behind them waits for all of them on the worker threads.

use axum::extract::{Request, State};
use axum::http::StatusCode;
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Arc;
use tokio::sync::Semaphore;

/// Requests of this kind that wait; more are answered 503 at once.
const MAX_WAITING: usize = 2048;

pub struct WorkQueue {
    running: Semaphore,
    waiting: AtomicUsize,
    max_waiting: usize,
}

impl WorkQueue {
    pub fn shared() -> Arc<WorkQueue> {
        // Two per core: enough to keep the password-hashing slots busy while the next
        // request is parsed.
        let cores = std::thread::available_parallelism().map_or(2, |n| n.get());
        Self::new(2 * cores, MAX_WAITING)
    }

    fn new(running: usize, max_waiting: usize) -> Arc<WorkQueue> {
        Arc::new(WorkQueue {
            running: Semaphore::new(running),
            waiting: AtomicUsize::new(0),
            max_waiting,
        })
    }
}

/// Whether a request is one that an unauthenticated client can send in bulk and that costs
/// Tessera real work.
fn queued(req: &Request) -> bool {
    let path = req.uri().path();
    req.method() == axum::http::Method::POST
        && (matches!(
            path,
            "/api/login" | "/api/change_password" | "/api/choose_password" | "/api/welcome_link"
        ) || path.starts_with("/.well-known/est/"))
}

pub async fn take_turn(State(queue): State<Arc<WorkQueue>>, req: Request, next: Next) -> Response {
    if !queued(&req) {
        return next.run(req).await;
    }
    if queue.waiting.fetch_add(1, Ordering::SeqCst) >= queue.max_waiting {
        queue.waiting.fetch_sub(1, Ordering::SeqCst);
        return (
            StatusCode::SERVICE_UNAVAILABLE,
            [(axum::http::header::RETRY_AFTER, "3")],
            "The server is busy. Try again in 3 seconds.",
        )
            .into_response();
    }
    let permit = queue.running.acquire().await;
    queue.waiting.fetch_sub(1, Ordering::SeqCst);
    let _permit = permit;
    next.run(req).await
}

#[cfg(test)]
mod tests {
    use super::*;
    use axum::body::Body;
    use axum::routing::{get, post};
    use axum::Router;
    use tower::ServiceExt;

    fn request(method: &str, path: &str) -> Request {
        Request::builder()
            .method(method)
            .uri(path)
            .body(Body::empty())
            .unwrap()
    }

    #[test]
    fn only_work_without_an_account_waits_its_turn() {
        for (method, path, expect) in [
            ("POST", "/api/login", true),
            ("POST", "/api/choose_password", true),
            ("POST", "/.well-known/est/authentication/simpleenroll", true),
            ("GET", "/health", false),
            ("GET", "/api/login", false),
            ("POST", "/api/request_card", false),
        ] {
            assert_eq!(queued(&request(method, path)), expect, "{method} {path}");
        }
    }

    #[tokio::test]
    async fn a_few_run_the_others_wait_and_beyond_the_queue_503() {
        // Sign-ins block until released: then every one, running or still to run, goes on.
        let (release, released) = tokio::sync::watch::channel(false);
        let queue = WorkQueue::new(2, 3);
        let app = Router::new()
            .route(
                "/api/login",
                post(move || {
                    let mut released = released.clone();
                    async move {
                        let _ = released.wait_for(|r| *r).await;
                        "signed in"
                    }
                }),
            )
            .route("/health", get(|| async { "ok" }))
            .layer(axum::middleware::from_fn_with_state(
                queue.clone(),
                take_turn,
            ));
        let sign_ins: Vec<_> = (0..5)
            .map(|_| tokio::spawn(app.clone().oneshot(request("POST", "/api/login"))))
            .collect();
        while queue.running.available_permits() > 0 || queue.waiting.load(Ordering::SeqCst) < 3 {
            tokio::task::yield_now().await;
        }
        // Two run, three wait: the sixth is told to come back, and a health check goes past.
        let refused = app
            .clone()
            .oneshot(request("POST", "/api/login"))
            .await
            .unwrap();
        assert_eq!(refused.status(), StatusCode::SERVICE_UNAVAILABLE);
        assert!(refused.headers().contains_key("retry-after"));
        let health = app
            .clone()
            .oneshot(request("GET", "/health"))
            .await
            .unwrap();
        assert_eq!(health.status(), StatusCode::OK);
        release.send(true).unwrap();
        // The waiting ones run in turn.
        let mut served = 0;
        for s in sign_ins {
            if s.await.unwrap().unwrap().status() == StatusCode::OK {
                served += 1;
            }
        }
        assert_eq!(served, 5);
    }
}
