//! Test support shared by the crates' tests.
//!
//! - [`NatsServer`]: a real `nats-server` with JetStream, on a random loopback port, with its own store
//!   directory, killed and removed on drop (the way nats.rs tests its client); it can be stopped,
//!   restarted, or paused (frozen, so that nothing sent to it is answered).
//! - [`eventually`]: poll until a predicate holds, instead of sleeping a guessed time.

use std::net::TcpStream;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

/// A running `nats-server -js` owned by one test.
pub struct NatsServer {
    child: Option<Child>,
    port: u16,
    store: tempfile::TempDir,
    /// A configuration file and the environment it reads, when started with one.
    config: Option<(PathBuf, Vec<(String, String)>)>,
}

impl NatsServer {
    /// Starts a server on a free port. Panics with a clear message when `nats-server` is missing.
    pub fn start() -> Self {
        Self::start_with(None)
    }

    /// Starts a server with the configuration `text` and the environment variables it reads; the
    /// port and store are still the test's own.
    pub fn start_with_config(text: &str, env: &[(&str, &str)]) -> Self {
        let env = env
            .iter()
            .map(|(k, v)| (k.to_string(), v.to_string()))
            .collect();
        Self::start_with(Some((text, env)))
    }

    fn start_with(config: Option<(&str, Vec<(String, String)>)>) -> Self {
        let store = tempfile::tempdir().expect("temp dir for the JetStream store");
        let config = config.map(|(text, env)| {
            let file = store.path().join("nats.conf");
            std::fs::write(&file, text).expect("configuration written");
            (file, env)
        });
        // `-p -1` lets the server pick a free port itself (no race with other tests); it tells which
        // in its ports file.
        let ports = store.path().join("ports");
        std::fs::create_dir(&ports).expect("ports dir");
        let child = spawn(0, store.path(), Some(&ports), config.as_ref());
        let port = read_port(&ports);
        let server = Self {
            child: Some(child),
            port,
            store,
            config,
        };
        server.wait_until_listening();
        server
    }

    pub fn url(&self) -> String {
        format!("nats://127.0.0.1:{}", self.port)
    }

    pub fn store_dir(&self) -> &Path {
        self.store.path()
    }

    /// Stops the server gracefully (SIGTERM) and starts it again on the same port and store.
    pub fn restart(&mut self) {
        self.stop();
        self.child = Some(spawn(
            self.port,
            self.store.path(),
            None,
            self.config.as_ref(),
        ));
        self.wait_until_listening();
    }

    /// Freezes the server (SIGSTOP): connections stay open and nothing is answered; what clients
    /// send waits in the sockets until [`NatsServer::resume`].
    pub fn pause(&self) {
        self.signal("-STOP");
    }

    pub fn resume(&self) {
        self.signal("-CONT");
    }

    fn signal(&self, signal: &str) {
        let child = self.child.as_ref().expect("the server is running");
        let sent = Command::new("kill")
            .arg(signal)
            .arg(child.id().to_string())
            .status();
        assert!(sent.is_ok_and(|s| s.success()), "kill {signal} nats-server");
    }

    /// Stops the server gracefully and waits for it to exit.
    pub fn stop(&mut self) {
        if let Some(mut child) = self.child.take() {
            let _ = Command::new("kill")
                .arg("-TERM")
                .arg(child.id().to_string())
                .status();
            let deadline = Instant::now() + Duration::from_secs(10);
            while Instant::now() < deadline {
                if let Ok(Some(_)) = child.try_wait() {
                    return;
                }
                std::thread::sleep(Duration::from_millis(20));
            }
            let _ = child.kill();
            let _ = child.wait();
        }
    }

    /// Waits until the server greets a client with its INFO line.
    fn wait_until_listening(&self) {
        let deadline = Instant::now() + Duration::from_secs(15);
        while Instant::now() < deadline {
            if let Ok(mut stream) = TcpStream::connect(("127.0.0.1", self.port)) {
                let mut greeting = [0u8; 4];
                let _ = stream.set_read_timeout(Some(Duration::from_secs(1)));
                if std::io::Read::read_exact(&mut stream, &mut greeting).is_ok()
                    && &greeting == b"INFO"
                {
                    return;
                }
            }
            std::thread::sleep(Duration::from_millis(20));
        }
        panic!(
            "nats-server did not listen on port {} within 15 s",
            self.port
        );
    }
}

impl Drop for NatsServer {
    fn drop(&mut self) {
        if let Some(mut child) = self.child.take() {
            let _ = child.kill();
            let _ = child.wait();
        }
    }
}

fn spawn(
    port: u16,
    store: &Path,
    ports_file_dir: Option<&Path>,
    config: Option<&(PathBuf, Vec<(String, String)>)>,
) -> Child {
    let port = if port == 0 {
        "-1".to_owned()
    } else {
        port.to_string()
    };
    let mut command = Command::new(nats_server_binary());
    if let Some((file, env)) = config {
        command.arg("-c").arg(file).envs(env.iter().cloned());
    }
    command
        .args(["-js", "-a", "127.0.0.1", "-p", &port, "-sd"])
        .arg(store.join("jetstream"));
    if let Some(dir) = ports_file_dir {
        command.arg("--ports_file_dir").arg(dir);
    }
    command
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .unwrap_or_else(|e| {
            panic!("cannot start nats-server ({e}); install it with `apt-get install nats-server`")
        })
}

/// Reads the client port from the ports file `nats-server` writes once it listens.
fn read_port(dir: &Path) -> u16 {
    let deadline = Instant::now() + Duration::from_secs(15);
    while Instant::now() < deadline {
        let text = std::fs::read_dir(dir)
            .ok()
            .and_then(|mut entries| entries.next())
            .and_then(|entry| std::fs::read_to_string(entry.ok()?.path()).ok());
        // {"nats":["nats://127.0.0.1:PORT"], ...}
        let port = text.as_deref().and_then(|t| {
            let start = t.find("nats://")? + "nats://".len();
            let rest = &t[start..];
            let colon = rest.find(':')?;
            let end = rest.find('"')?;
            rest[colon + 1..end].parse().ok()
        });
        if let Some(port) = port {
            return port;
        }
        std::thread::sleep(Duration::from_millis(10));
    }
    panic!(
        "nats-server wrote no ports file in {} within 15 s",
        dir.display()
    );
}

fn nats_server_binary() -> PathBuf {
    std::env::var_os("NATS_SERVER_BIN")
        .map(PathBuf::from)
        .unwrap_or_else(|| "nats-server".into())
}

/// A port that was free a moment ago.
pub fn free_port() -> u16 {
    let listener = std::net::TcpListener::bind("127.0.0.1:0").expect("bind a free port");
    listener.local_addr().expect("local address").port()
}

/// Polls `check` until it returns `Some`, or panics after `timeout` naming `what`.
pub async fn eventually<T, F, Fut>(what: &str, timeout: Duration, mut check: F) -> T
where
    F: FnMut() -> Fut,
    Fut: std::future::Future<Output = Option<T>>,
{
    let deadline = Instant::now() + timeout;
    loop {
        if let Some(value) = check().await {
            return value;
        }
        assert!(
            Instant::now() < deadline,
            "timed out after {timeout:?} waiting for {what}"
        );
        tokio::time::sleep(Duration::from_millis(10)).await;
    }
}

/// The environment variable the committed configs read Quickclear's NATS password from.
pub const PASSWORD_VARIABLE: &str = "QUICKCLEAR_NATS_PASSWORD";
/// The password the tests' servers with the committed configs give Quickclear's user.
pub const TEST_NATS_PASSWORD: &str = "the-tests-nats-password";

/// A three-node JetStream cluster started from the committed configs in `infra/nats/cluster/`, in a
/// temporary working directory (the configs' store paths are relative). Its ports are the configs'
/// fixed loopback ports, so one cluster test runs at a time.
pub struct NatsCluster {
    nodes: Vec<Option<Child>>,
    client_ports: Vec<u16>,
    _dir: tempfile::TempDir,
}

impl NatsCluster {
    pub fn start() -> Self {
        let configs = PathBuf::from(concat!(
            env!("CARGO_MANIFEST_DIR"),
            "/../../infra/nats/cluster"
        ));
        let dir = tempfile::tempdir().expect("cluster working directory");
        let nodes = ["n1.conf", "n2.conf", "n3.conf"]
            .iter()
            .map(|conf| {
                let child = Command::new(nats_server_binary())
                    .arg("-c")
                    .arg(configs.join(conf))
                    .env(PASSWORD_VARIABLE, TEST_NATS_PASSWORD)
                    .current_dir(dir.path())
                    .stdout(Stdio::null())
                    .stderr(Stdio::null())
                    .spawn()
                    .expect("nats-server starts; install it with `apt-get install nats-server`");
                Some(child)
            })
            .collect();
        let cluster = Self {
            nodes,
            client_ports: vec![4231, 4232, 4233],
            _dir: dir,
        };
        for port in &cluster.client_ports {
            let deadline = Instant::now() + Duration::from_secs(15);
            while TcpStream::connect(("127.0.0.1", *port)).is_err() {
                assert!(
                    Instant::now() < deadline,
                    "cluster node on {port} did not listen"
                );
                std::thread::sleep(Duration::from_millis(20));
            }
        }
        cluster
    }

    /// Node `node`'s URL, with Quickclear's user and the tests' password.
    pub fn url(&self, node: usize) -> String {
        format!(
            "nats://quickclear:{TEST_NATS_PASSWORD}@127.0.0.1:{}",
            self.client_ports[node]
        )
    }

    /// Kills one node at once (SIGKILL).
    pub fn kill(&mut self, node: usize) {
        if let Some(mut child) = self.nodes[node].take() {
            let _ = child.kill();
            let _ = child.wait();
        }
    }
}

impl Drop for NatsCluster {
    fn drop(&mut self) {
        for node in 0..self.nodes.len() {
            self.kill(node);
        }
    }
}
