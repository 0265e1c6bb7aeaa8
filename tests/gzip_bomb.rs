//! A gzip bomb is cut off at the body cap while streaming; memory stays bounded. (Alone in its own test
//! binary so that the peak-memory reading is not disturbed by other tests.)

mod common;

use std::io::Write;

use common::{Canned, FixtureServer, peak_rss_kib, source_tables, start_daemon_with_poll};
use regionfeed::poll::PollOutcome;

#[tokio::test]
async fn gzip_bomb_is_cut_off_with_bounded_memory() {
    const INFLATED: usize = 96 * 1024 * 1024;
    let mut encoder = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::fast());
    let zeros = vec![0u8; 1024 * 1024];
    for _ in 0..INFLATED / zeros.len() {
        encoder.write_all(&zeros).unwrap();
    }
    let bomb = encoder.finish().unwrap();
    drop(zeros);
    assert!(bomb.len() < 1024 * 1024, "the bomb is small on the wire");

    let dir = tempfile::tempdir().unwrap();
    let server = FixtureServer::start().await;
    server.set(
        "bomb.xml",
        Canned::new(200, "application/rss+xml", bomb).with_header("content-encoding", "gzip"),
    );
    let daemon = start_daemon_with_poll(
        dir.path(),
        "max_body_bytes = 1048576\nhost_spacing_ms = 0",
        &source_tables(&[("bomb", server.url("bomb.xml"), "shanxi")]),
    )
    .await;
    let before = peak_rss_kib();
    let report = daemon.poll_source("bomb").await.unwrap();
    let after = peak_rss_kib();
    assert!(
        matches!(&report.outcome, PollOutcome::Failed(f) if f.class == "too-large"),
        "{report:?}"
    );
    // 96 MiB inflated would show; the cap keeps the growth to a few MiB.
    assert!(
        after - before < 16 * 1024,
        "peak RSS grew by {} KiB",
        after - before
    );
}
