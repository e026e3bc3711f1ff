//! `tessera-mobile enroll <QR> [--out DIR]`: a phone's mobile ID enrollment, from the terminal.

#![cfg_attr(not(test), deny(clippy::unwrap_used, clippy::expect_used))]

use std::fs;
use std::io::Write as _;
use std::path::{Path, PathBuf};
use std::process::ExitCode;
use std::time::Duration;

use base64::engine::general_purpose::STANDARD;
use base64::Engine as _;
use tessera_mobile_client::{enroll, read_qr_png, read_qr_svg, Activation, Outcome};
use x509_parser::public_key::PublicKey;

const USAGE: &str = "\
usage: tessera-mobile enroll <QR> [--out DIR]

  <QR>       the activation link (http:// or https://), or a PNG or SVG file with its QR code
  --out DIR  where to write ca-chain.pem and <label>.crt.pem / <label>.key.pem
             (default ./mobile-id)";

#[tokio::main(flavor = "current_thread")]
async fn main() -> ExitCode {
    let args: Vec<String> = std::env::args().skip(1).collect();
    if args.is_empty() || args.iter().any(|a| a == "-h" || a == "--help") {
        println!("{USAGE}");
        return if args.is_empty() {
            ExitCode::FAILURE
        } else {
            ExitCode::SUCCESS
        };
    }
    match run(&args).await {
        Ok(()) => ExitCode::SUCCESS,
        Err(message) => {
            eprintln!("tessera-mobile: {message}");
            ExitCode::FAILURE
        }
    }
}

async fn run(args: &[String]) -> Result<(), String> {
    let (qr, out) = parse_args(args)?;
    let link = read_link(&qr)?;
    let activation = Activation::parse(&link).map_err(|e| e.to_string())?;
    println!(
        "Activation {} at {}: enroll [{}], server keygen [{}]",
        activation.id,
        activation.origin,
        activation.enroll.join(", "),
        activation.keygen.join(", ")
    );

    let client = reqwest::Client::builder()
        .user_agent(concat!("tessera-mobile/", env!("CARGO_PKG_VERSION")))
        .connect_timeout(Duration::from_secs(15))
        .timeout(Duration::from_secs(120))
        .build()
        .map_err(|e| format!("cannot set up HTTP: {e}"))?;
    let outcome = enroll(&client, &activation)
        .await
        .map_err(|e| e.to_string())?;

    print_properties(&outcome);
    write_files(&out, &outcome)?;
    print_table(&outcome)?;
    println!(
        "\nWrote {} (CA chain) and a certificate and key per label.",
        out.join("ca-chain.pem").display()
    );
    Ok(())
}

fn parse_args(args: &[String]) -> Result<(String, PathBuf), String> {
    let mut args = args.iter();
    match args.next().map(String::as_str) {
        Some("enroll") => {}
        Some(other) => return Err(format!("unknown command {other:?}\n{USAGE}")),
        None => return Err(USAGE.into()),
    }
    let mut qr = None;
    let mut out = PathBuf::from("mobile-id");
    while let Some(arg) = args.next() {
        if arg == "--out" {
            out = args
                .next()
                .ok_or_else(|| "--out needs a directory".to_string())?
                .into();
        } else if let Some(dir) = arg.strip_prefix("--out=") {
            out = dir.into();
        } else if arg.starts_with("--") {
            return Err(format!("unknown option {arg}\n{USAGE}"));
        } else if qr.replace(arg.clone()).is_some() {
            return Err(format!("more than one QR argument\n{USAGE}"));
        }
    }
    let qr = qr.ok_or_else(|| format!("missing the QR argument\n{USAGE}"))?;
    Ok((qr, out))
}

/// The link itself, or the QR code in a PNG or SVG file (told apart by content, not name).
fn read_link(qr: &str) -> Result<String, String> {
    let lower = qr.to_ascii_lowercase();
    if lower.starts_with("http://") || lower.starts_with("https://") {
        return Ok(qr.to_string());
    }
    let bytes = fs::read(qr).map_err(|e| format!("cannot read {qr}: {e}"))?;
    let text = if bytes.starts_with(b"\x89PNG\r\n\x1a\n") {
        read_qr_png(&bytes)
    } else {
        match std::str::from_utf8(&bytes) {
            Ok(svg) if svg.contains("<svg") => read_qr_svg(svg),
            _ => return Err(format!("{qr} is neither a PNG nor an SVG image")),
        }
    };
    text.map_err(|e| format!("{qr}: {e}"))
}

fn print_properties(outcome: &Outcome) {
    if outcome.properties.is_empty() {
        return;
    }
    println!("\nProperties:");
    let width = outcome
        .properties
        .keys()
        .map(|k| k.len())
        .max()
        .unwrap_or(0);
    for (key, value) in &outcome.properties {
        println!("  {key:width$}  {value}");
    }
}

fn write_files(out: &Path, outcome: &Outcome) -> Result<(), String> {
    fs::create_dir_all(out).map_err(|e| format!("cannot create {}: {e}", out.display()))?;
    let chain: String = outcome
        .ca_chain_der
        .iter()
        .map(|der| pem("CERTIFICATE", der))
        .collect();
    write(&out.join("ca-chain.pem"), &chain, false)?;
    for enrolled in &outcome.enrolled {
        let label = &enrolled.label;
        write(
            &out.join(format!("{label}.crt.pem")),
            &pem("CERTIFICATE", &enrolled.certificate_der),
            false,
        )?;
        write(
            &out.join(format!("{label}.key.pem")),
            &pem("PRIVATE KEY", &enrolled.private_key_pkcs8),
            true,
        )?;
    }
    Ok(())
}

fn write(path: &Path, contents: &str, secret: bool) -> Result<(), String> {
    let failed = |e: std::io::Error| format!("cannot write {}: {e}", path.display());
    let mut options = fs::OpenOptions::new();
    options.write(true).create(true).truncate(true);
    #[cfg(unix)]
    {
        use std::os::unix::fs::OpenOptionsExt as _;
        if secret {
            options.mode(0o600);
        }
    }
    let mut file = options.open(path).map_err(failed)?;
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt as _;
        // `mode` applies only to a new file; one left from an earlier run keeps its own.
        if secret {
            file.set_permissions(fs::Permissions::from_mode(0o600))
                .map_err(failed)?;
        }
    }
    file.write_all(contents.as_bytes()).map_err(failed)?;
    file.sync_all().map_err(failed)
}

fn pem(label: &str, der: &[u8]) -> String {
    let encoded = STANDARD.encode(der);
    let mut text = format!("-----BEGIN {label}-----\n");
    for line in encoded.as_bytes().chunks(64) {
        text.push_str(std::str::from_utf8(line).unwrap_or_default());
        text.push('\n');
    }
    text.push_str(&format!("-----END {label}-----\n"));
    text
}

fn print_table(outcome: &Outcome) -> Result<(), String> {
    let mut rows = vec![[
        "LABEL".to_string(),
        "SERIAL".into(),
        "SUBJECT".into(),
        "NOT AFTER".into(),
        "KEY".into(),
    ]];
    for enrolled in &outcome.enrolled {
        let (_, cert) = x509_parser::parse_x509_certificate(&enrolled.certificate_der)
            .map_err(|e| format!("cannot read the certificate for {}: {e}", enrolled.label))?;
        let not_after = cert.validity().not_after.to_datetime();
        let key = match cert.public_key().parsed() {
            Ok(PublicKey::RSA(rsa)) => format!("RSA-{}", rsa.key_size()),
            Ok(PublicKey::EC(ec)) => format!("P-{}", ec.key_size()),
            _ => cert.public_key().algorithm.algorithm.to_id_string(),
        };
        let origin = if enrolled.server_generated {
            " (server)"
        } else {
            ""
        };
        rows.push([
            enrolled.label.clone(),
            format!("{:X}", cert.serial),
            cert.subject().to_string(),
            format!(
                "{:04}-{:02}-{:02} {:02}:{:02} UTC",
                not_after.year(),
                u8::from(not_after.month()),
                not_after.day(),
                not_after.hour(),
                not_after.minute()
            ),
            format!("{key}{origin}"),
        ]);
    }
    let widths: Vec<usize> = (0..5)
        .map(|column| {
            rows.iter()
                .map(|r| r[column].chars().count())
                .max()
                .unwrap_or(0)
        })
        .collect();
    println!();
    for row in rows {
        let line: Vec<String> = row
            .iter()
            .zip(&widths)
            .map(|(cell, width)| format!("{cell:width$}"))
            .collect();
        println!("{}", line.join("  ").trim_end());
    }
    Ok(())
}
