//! `vpbx prompt add|list|remove`: a tenant's voice prompts (issue 5 item 2). The checks,
//! conversion and storage are `vpbx_api::prompts`', shared with the REST API; this module
//! only reads the file, words the outcome and prints.

use super::tenant_store;
use crate::args::PromptCommand;
use crate::output;
use anyhow::Context;
use std::path::Path;
use vpbx_api::prompts::{self, PromptError, PromptInput};
use vpbx_model::PromptName;
use vpbx_store::{PromptSource, Store, StoreError};

/// Longest text shown in the table before it is cut with `…`.
const TEXT_COLUMN: usize = 40;

/// Runs one prompt command; `data` is the data directory the prompt files live under.
pub async fn run(data: &Path, store: &Store, cmd: PromptCommand) -> anyhow::Result<()> {
    match cmd {
        PromptCommand::Add {
            domain,
            name,
            file,
            say,
            voice,
            replace,
        } => {
            let name: PromptName = name.parse()?;
            let (d, ts) = tenant_store(store, &domain).await?;
            let (input, from) = match (file, say) {
                (Some(path), None) => (read_wav(&path)?, path.display().to_string()),
                (None, Some(text)) => (PromptInput::Say { text, voice }, "text".to_owned()),
                _ => anyhow::bail!("give either a WAV file or --say TEXT"),
            };
            let (row, created) =
                match prompts::save(&ts, data, &name, input, replace, output::now()).await {
                    Ok(saved) => saved,
                    Err(PromptError::Store(StoreError::AlreadyExists(what))) => anyhow::bail!(
                        "{what} already exists in {d} (use --replace to change its audio)"
                    ),
                    Err(e) => {
                        return Err(anyhow::Error::new(e))
                            .with_context(|| format!("cannot add prompt {name} from {from}"))
                    }
                };
            println!(
                "{} prompt {} in {d}: {:.1} s, 8 kHz mono 16-bit, {} bytes",
                if created { "added" } else { "replaced" },
                row.name,
                row.duration_ms as f64 / 1000.0,
                row.bytes
            );
        }
        PromptCommand::List { domain, json } => {
            let (_, ts) = tenant_store(store, &domain).await?;
            let rows = ts.list_prompts().await?;
            if json {
                output::json(&rows)?;
            } else {
                let table: Vec<Vec<String>> = rows
                    .iter()
                    .map(|r| {
                        let (source, text) = match &r.source {
                            PromptSource::Upload => ("upload".to_owned(), String::new()),
                            PromptSource::Tts { text, voice } => {
                                (format!("tts ({voice})"), cut(text))
                            }
                        };
                        vec![
                            r.name.to_string(),
                            format!("{:.1}", r.duration_ms as f64 / 1000.0),
                            r.bytes.to_string(),
                            source,
                            text,
                        ]
                    })
                    .collect();
                output::table(&["NAME", "SECONDS", "BYTES", "SOURCE", "TEXT"], &table);
            }
        }
        PromptCommand::Remove { domain, name } => {
            let name: PromptName = name.parse()?;
            let (d, ts) = tenant_store(store, &domain).await?;
            prompts::remove(&ts, data, &name).await?;
            println!("removed prompt {name} from {d}");
        }
    }
    Ok(())
}

/// Reads a WAV file for upload, refusing one over the size limit before reading it.
fn read_wav(path: &Path) -> anyhow::Result<PromptInput> {
    let shown = path.display();
    let meta = std::fs::metadata(path).with_context(|| format!("cannot read {shown}"))?;
    if !meta.is_file() {
        anyhow::bail!("{shown} is not a file");
    }
    prompts::check_size(meta.len()).with_context(|| format!("cannot use {shown}"))?;
    let bytes = std::fs::read(path).with_context(|| format!("cannot read {shown}"))?;
    Ok(PromptInput::Wav(bytes))
}

/// `text` on one line, cut to [`TEXT_COLUMN`] characters.
fn cut(text: &str) -> String {
    let one_line = text.split_whitespace().collect::<Vec<_>>().join(" ");
    if one_line.chars().count() <= TEXT_COLUMN {
        return one_line;
    }
    let mut short: String = one_line.chars().take(TEXT_COLUMN - 1).collect();
    short.push('…');
    short
}
