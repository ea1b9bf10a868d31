//! `retag data stats FILE`: what a dataset holds, streamed.

use anyhow::Result;
use retag_data::Location;
use retag_data::stats::StatsCollector;

use crate::args::StatsArgs;
use crate::dataset;

pub fn run(args: &StatsArgs) -> Result<()> {
    let scheme = args.scheme;
    let mut collector = StatsCollector::new(scheme, Location::file(&args.file));
    for sentence in dataset::read(&args.file, &args.input)? {
        collector.add(&sentence?)?;
    }
    let stats = collector.finish();
    if args.json {
        println!("{}", serde_json::to_string_pretty(&stats)?);
    } else {
        print!("{}", stats.to_text());
    }
    Ok(())
}
