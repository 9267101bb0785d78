//! The built site the portal serves: the islands' wasm bundle, its JavaScript glue and the
//! stylesheet under content-hashed names (written by `scripts/build-site.sh`, listed in
//! `hash.txt`), each with precompressed Brotli and gzip copies, and the public files.
//!
//! Hashed files never change, so they are cached for a year; everything else is revalidated.
//! `serve` refuses to start without a built site, so a missing build is one clear line at
//! start-up instead of pages that silently never become interactive.

use std::path::{Path, PathBuf};

use axum::Router;
use axum::extract::Request;
use axum::http::{HeaderValue, header};
use axum::middleware::{Next, from_fn};
use axum::response::Response;
use leptos::prelude::LeptosOptions;
use tower_http::services::ServeDir;

/// Base name of the bundle files.
const NAME: &str = "agent-connect";

/// Where the built site is and what its files are called.
#[derive(Debug, Clone)]
pub struct SiteAssets {
    root: PathBuf,
    pkg_dir: String,
    /// `href` of the stylesheet.
    pub stylesheet: String,
    /// True when the bundle files carry content hashes (and may be cached for good).
    hashed: bool,
    /// Why the site cannot be served, when it cannot.
    problem: Option<String>,
}

impl SiteAssets {
    /// Looks at `options.site_root` and, when it holds a hashed build, points Leptos's
    /// hydration scripts at the hashed names.
    pub fn discover(options: &mut LeptosOptions) -> Self {
        let root = PathBuf::from(options.site_root.as_ref());
        let pkg_dir = options.site_pkg_dir.to_string();
        let pkg = root.join(&pkg_dir);
        let hash_file = root.join("hash.txt");
        let mut site = Self {
            stylesheet: format!("/{pkg_dir}/{NAME}.css"),
            root: root.clone(),
            pkg_dir,
            hashed: false,
            problem: None,
        };
        match std::fs::read_to_string(&hash_file) {
            Ok(text) => {
                let hashes = parse_hashes(&text);
                let missing: Vec<String> = ["js", "wasm", "css"]
                    .iter()
                    .filter_map(|ext| {
                        let file = match hashes.iter().find(|(e, _)| e == ext) {
                            Some((_, hash)) => format!("{NAME}.{hash}.{ext}"),
                            None => {
                                return Some(format!("the {ext} entry of {}", hash_file.display()));
                            }
                        };
                        (!pkg.join(&file).is_file()).then(|| pkg.join(file).display().to_string())
                    })
                    .collect();
                if !missing.is_empty() {
                    site.problem = Some(format!(
                        "the built site is incomplete: missing {}",
                        missing.join(", ")
                    ));
                }
                if let Some((_, css)) = hashes.iter().find(|(ext, _)| ext == "css") {
                    site.stylesheet = format!("/{}/{NAME}.{css}.css", site.pkg_dir);
                }
                // Leptos reads the hashes itself; it joins this path to the binary's folder,
                // which leaves an absolute path as it is.
                options.hash_files = true;
                options.hash_file = absolute(&hash_file).to_string_lossy().into_owned().into();
                site.hashed = true;
            }
            // A site built by `cargo leptos watch` or `build`: plain names, no hash file.
            Err(_) if pkg.join(format!("{NAME}.js")).is_file() => {}
            Err(_) => {
                site.problem = Some(format!(
                    "no built site in {}: run `make release` (or scripts/build-site.sh), or point LEPTOS_SITE_ROOT at one",
                    root.display()
                ));
            }
        }
        site
    }

    /// `Err` with the reason when there is nothing to serve.
    pub fn check(&self) -> Result<(), String> {
        self.problem.clone().map_or(Ok(()), Err)
    }

    /// `/pkg/…`: the bundle, precompressed copies chosen by `Accept-Encoding`.
    pub fn router<S: Clone + Send + Sync + 'static>(&self) -> Router<S> {
        let files = ServeDir::new(self.root.join(&self.pkg_dir))
            .precompressed_br()
            .precompressed_gzip();
        let cache = if self.hashed {
            HeaderValue::from_static("public, max-age=31536000, immutable")
        } else {
            HeaderValue::from_static("no-cache")
        };
        Router::new()
            .nest_service(&format!("/{}", self.pkg_dir), files)
            .layer(from_fn(move |req: Request, next: Next| {
                let cache = cache.clone();
                async move { with_cache_control(next.run(req).await, cache) }
            }))
    }
}

fn with_cache_control(mut res: Response, value: HeaderValue) -> Response {
    if res.status().is_success() {
        res.headers_mut().insert(header::CACHE_CONTROL, value);
    }
    // The body depends on Accept-Encoding (a Brotli, gzip or plain copy): caches must know.
    res.headers_mut()
        .insert(header::VARY, HeaderValue::from_static("accept-encoding"));
    res
}

/// `ext: hash` lines, as `hash.txt` holds them.
fn parse_hashes(text: &str) -> Vec<(String, String)> {
    text.lines()
        .filter_map(|line| line.split_once(':'))
        .map(|(ext, hash)| (ext.trim().to_owned(), hash.trim().to_owned()))
        .filter(|(_, hash)| !hash.is_empty() && hash.chars().all(|c| c.is_ascii_alphanumeric()))
        .collect()
}

fn absolute(path: &Path) -> PathBuf {
    std::path::absolute(path).unwrap_or_else(|_| path.to_owned())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn options(root: &Path) -> LeptosOptions {
        LeptosOptions::builder()
            .output_name(NAME)
            .site_root(root.to_string_lossy().into_owned())
            .site_pkg_dir("pkg")
            .build()
    }

    #[test]
    fn a_hashed_build_is_found_and_linked() {
        let dir = tempfile::tempdir().unwrap();
        std::fs::create_dir_all(dir.path().join("pkg")).unwrap();
        std::fs::write(
            dir.path().join("hash.txt"),
            "js: aa11\nwasm: bb22\ncss: cc33\n",
        )
        .unwrap();
        for file in [
            "agent-connect.aa11.js",
            "agent-connect.bb22.wasm",
            "agent-connect.cc33.css",
        ] {
            std::fs::write(dir.path().join("pkg").join(file), "x").unwrap();
        }
        let mut options = options(dir.path());
        let site = SiteAssets::discover(&mut options);
        assert_eq!(site.check(), Ok(()));
        assert_eq!(site.stylesheet, "/pkg/agent-connect.cc33.css");
        assert!(options.hash_files);
        assert!(Path::new(options.hash_file.as_ref()).is_absolute());
    }

    #[test]
    fn a_missing_or_partial_build_is_refused_with_the_reason() {
        let dir = tempfile::tempdir().unwrap();
        let site = SiteAssets::discover(&mut options(dir.path()));
        assert!(site.check().unwrap_err().contains("no built site"));

        std::fs::create_dir_all(dir.path().join("pkg")).unwrap();
        std::fs::write(
            dir.path().join("hash.txt"),
            "js: aa11\nwasm: bb22\ncss: cc33\n",
        )
        .unwrap();
        std::fs::write(dir.path().join("pkg/agent-connect.aa11.js"), "x").unwrap();
        let err = SiteAssets::discover(&mut options(dir.path()))
            .check()
            .unwrap_err();
        assert!(
            err.contains("agent-connect.bb22.wasm") && err.contains("agent-connect.cc33.css"),
            "{err}"
        );
    }

    #[test]
    fn a_plain_build_needs_no_hash_file() {
        let dir = tempfile::tempdir().unwrap();
        std::fs::create_dir_all(dir.path().join("pkg")).unwrap();
        std::fs::write(dir.path().join("pkg/agent-connect.js"), "x").unwrap();
        let mut options = options(dir.path());
        let site = SiteAssets::discover(&mut options);
        assert_eq!(site.check(), Ok(()));
        assert_eq!(site.stylesheet, "/pkg/agent-connect.css");
        assert!(!options.hash_files);
    }
}
