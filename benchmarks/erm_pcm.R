# eRm side of bench_core.py --erm-live: PCM fit, person parameters and item fit, each timed
# with system.time (elapsed seconds), on one CSV.
#
# Usage: Rscript benchmarks/erm_pcm.R DATA.csv I01,I02,... [REPS]
# Prints one line per repetition:
#   ERM_TIMING rep=<r> fit=<s> person=<s> itemfit=<s> loglik=<cml loglik> iterations=<n>
# and, once, ERM_VERSION <eRm version> R <R version>.
# The calls are those of the shared reference suite: PCM(X, se = TRUE, sum0 = TRUE), person.parameter(fit),
# itemfit(pp).
suppressPackageStartupMessages(library(eRm))
args <- commandArgs(trailingOnly = TRUE)
if (length(args) < 2) stop("usage: Rscript erm_pcm.R DATA.csv ITEMS [REPS]")
path <- args[[1]]
items <- strsplit(args[[2]], ",", fixed = TRUE)[[1]]
reps <- if (length(args) >= 3) as.integer(args[[3]]) else 1L
d <- read.csv(path)
X <- as.matrix(d[, items])
cat(sprintf("ERM_VERSION %s R %s\n", as.character(packageVersion("eRm")),
            paste(R.version$major, R.version$minor, sep = ".")))
for (r in seq_len(reps)) {
  t_fit <- system.time(fit <- PCM(X, se = TRUE, sum0 = TRUE))[["elapsed"]]
  t_pp <- system.time(pp <- person.parameter(fit))[["elapsed"]]
  t_if <- system.time(ifit <- itemfit(pp))[["elapsed"]]
  cat(sprintf("ERM_TIMING rep=%d fit=%.3f person=%.3f itemfit=%.3f loglik=%.4f iterations=%d\n",
              r, t_fit, t_pp, t_if, fit$loglik, as.integer(fit$iter)))
}
