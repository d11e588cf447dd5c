//! What a render returns and how a failure is said (issue 10, findings 3, 4, 5 and 10): the
//! output cap covers the title and the error detail, each publication has its own cache, the
//! CPU budget charges CPU and not waiting, and traps are said in words.

mod common;

use agora_channel_host::RenderFailure;
use std::time::{Duration, Instant};

#[tokio::test]
async fn the_output_cap_covers_title_and_error_detail() {
    let (engine, channel) = common::engine();
    let limit = channel.manifest.limits.output_bytes as usize;
    let p = common::publish(&channel, "big-title", "big-title", "");
    match engine.render(&channel, &p, common::request()).await {
        Err(RenderFailure::OutputTooLarge(n)) => assert!(n > limit),
        other => panic!("a 5 MB title must be refused: {other:?}"),
    }
    let p = common::publish(&channel, "big-detail", "big-detail", "");
    match engine.render(&channel, &p, common::request()).await {
        Err(RenderFailure::OutputTooLarge(n)) => assert!(n > limit),
        other => panic!("a 5 MB error detail must be refused: {other:?}"),
    }
    // A normal error detail is kept, short, for the logs.
    let p = common::publish(&channel, "fail", "fail", "");
    match engine.render(&channel, &p, common::request()).await {
        Err(RenderFailure::Channel { detail, .. }) => assert_eq!(detail, "the back-end is down (test)"),
        other => panic!("{other:?}"),
    }
}

#[tokio::test]
async fn each_publication_has_its_own_cache() {
    let (engine, channel) = common::engine();
    let write = common::publish(&channel, "campus-news", "cache-write", "value = \"real campus news\"");
    let read_same = common::publish(&channel, "campus-news", "cache-read", "");
    let read_other = common::publish(&channel, "library-news", "cache-read", "");
    let wrote = engine
        .render(&channel, &write, common::request())
        .await
        .expect("writes");
    assert!(wrote.html.contains("real campus news"));
    let same = engine
        .render(&channel, &read_same, common::request())
        .await
        .expect("reads");
    assert!(same.html.contains("real campus news"), "{}", same.html);
    let other = engine
        .render(&channel, &read_other, common::request())
        .await
        .expect("reads");
    assert!(
        other.html.contains("(empty)"),
        "another publication of the same package read the entry: {}",
        other.html
    );
}

#[tokio::test]
async fn a_second_package_with_the_same_id_does_not_share_the_cache() {
    // Same manifest id, another component (a different build): another namespace.
    let (engine, channel) = common::engine();
    let dir = std::env::temp_dir().join(format!("agora-impostor-{}", std::process::id()));
    std::fs::create_dir_all(&dir).expect("mkdir");
    std::fs::copy(
        common::packages().join("misbehaving/channel.toml"),
        dir.join("channel.toml"),
    )
    .expect("copy");
    let mut wasm = std::fs::read(common::packages().join("misbehaving/channel.wasm")).expect("read");
    // A custom section changes the bytes (hence the hash) without changing the code.
    wasm.extend_from_slice(&[0, 8, 7, b'i', b'm', b'p', b'o', b's', b't', b'r']);
    std::fs::write(dir.join("channel.wasm"), &wasm).expect("write");
    let impostor = engine.load_package(&dir).expect("the impostor loads on its own");
    assert_ne!(impostor.component_hash, channel.component_hash);
    let write = common::publish(&channel, "news", "cache-write", "value = \"real\"");
    engine
        .render(&channel, &write, common::request())
        .await
        .expect("writes");
    let read = common::publish(&impostor, "news", "cache-read", "");
    let got = engine.render(&impostor, &read, common::request()).await.expect("reads");
    assert!(
        got.html.contains("(empty)"),
        "the impostor read the real entry: {}",
        got.html
    );
}

/// Iterations of `busy` taking about `target` of CPU on this machine.
async fn calibrate(
    engine: &agora_channel_host::ChannelEngine,
    channel: &agora_channel_host::LoadedChannel,
    target: Duration,
) -> i64 {
    let mut iterations: i64 = 200_000;
    loop {
        let p = common::publish(channel, "calibrate", "busy", &format!("iterations = {iterations}"));
        let started = Instant::now();
        engine
            .render(channel, &p, common::request())
            .await
            .expect("busy renders alone");
        let took = started.elapsed();
        if took >= Duration::from_millis(2) || iterations > 1 << 40 {
            return (iterations as f64 * target.as_secs_f64() / took.as_secs_f64()) as i64;
        }
        iterations *= 4;
    }
}

#[tokio::test(flavor = "current_thread")]
async fn the_cpu_budget_charges_cpu_not_waiting() {
    let (engine, channel) = common::engine();
    // 8 renders of ~15 ms of CPU each (budget 50 ms), interleaved on one thread: each waits
    // about 100 ms for the others. Charging waiting killed them; charging CPU does not.
    let iterations = calibrate(&engine, &channel, Duration::from_millis(15)).await;
    let p = common::publish(&channel, "busy", "busy", &format!("iterations = {iterations}"));
    let started = Instant::now();
    let renders = (0..8).map(|_| engine.render(&channel, &p, common::request()));
    let results = futures::future::join_all(renders).await;
    let wall = started.elapsed();
    let failed: Vec<_> = results.iter().filter_map(|r| r.as_ref().err()).collect();
    assert!(
        failed.is_empty(),
        "{} of 8 healthy renders failed in {wall:?}: {failed:?}",
        failed.len()
    );
    // An endless loop is still stopped by the budget, also under the same load.
    let looping = common::publish(&channel, "loop", "loop", "");
    let renders = (0..4).map(|_| engine.render(&channel, &looping, common::request()));
    for r in futures::future::join_all(renders).await {
        assert_eq!(r.unwrap_err(), RenderFailure::CpuBudget(50));
    }
}

#[tokio::test]
async fn traps_are_said_in_words() {
    let (engine, channel) = common::engine();
    let render = |mode: &'static str| {
        let p = common::publish(&channel, mode, mode, "");
        let engine = engine.clone();
        let channel = channel.clone();
        async move { engine.render(&channel, &p, common::request()).await.unwrap_err() }
    };
    let overflow = render("recurse").await;
    assert!(overflow.to_string().contains("stack overflow"), "{overflow}");
    assert!(!overflow.to_string().contains("backtrace"), "{overflow}");
    let abort = render("abort").await;
    assert!(abort.to_string().contains("unreachable"), "{abort}");
    match render("read-file").await {
        RenderFailure::Forbidden(name) => assert!(name.starts_with("wasi:filesystem/"), "{name}"),
        other => panic!("a file read must be named: {other:?}"),
    }
    assert_eq!(render("name-flood").await, RenderFailure::RequestBudget(8));
}
