# Reference numbers from the R package iarm 0.4.3 (M. Mueller) for tests/conformance/test_iarm.py.
#
# Run from the folder that holds `reference/` (the shared peer data), with iarm installed into a
# throwaway library:
#   R CMD INSTALL --library=/tmp/iarm-lib iarm_0.4.3.tar.gz
#   R_LIBS=/tmp/iarm-lib Rscript make_iarm_reference.R <out_dir>
# Writes <out_dir>/<dataset>__<MODEL>__<table>.csv and versions.txt.
#
# iarm gives its restscore table formatted to 3 digits; to keep full precision the script runs
# iarm's own item_restscore with the final formatting step removed (the statistics are
# untouched). partgam_DIF / partgam_LD are called with p.adj = "none": iarm applies its "BH" to
# one p-value at a time (p.adjust(pvalue, n = k * l)), which is not the usual BH over all tests.
# DIF covariate (the data have none): group = (row number %% 2), row 1-based (1 = odd rows);
# iarm's partial gamma is positive when the later level (here 1) scores higher.
suppressPackageStartupMessages({library(eRm); library(iarm)})
args <- commandArgs(trailingOnly = TRUE)
out <- if (length(args)) args[1] else "."
dir.create(out, showWarnings = FALSE, recursive = TRUE)

restscore_full <- function(object) {
  f <- iarm::item_restscore
  src <- deparse(f)
  cut <- grep("symp <- symnum", src, fixed = TRUE)[1]
  src <- c(src[1:(cut - 1)], "    mm", "}")
  g <- eval(parse(text = src))
  environment(g) <- asNamespace("iarm")
  g(object, p.adj = "BH")
}

num <- function(df, cols) { for (c in cols) df[[c]] <- as.numeric(df[[c]]); df }

run <- function(id, model) {
  X <- read.csv(file.path("reference", "data", paste0(id, ".csv")))
  X <- na.omit(X)
  mod <- if (model == "RM") RM(X) else PCM(X)
  stem <- file.path(out, paste0(id, "__", model, "__"))
  # item parameters used by iarm (thresholds centred as iarm does)
  if (model == "RM") {
    thr <- data.frame(item = colnames(X), category = 1, threshold = -coef(mod))
  } else {
    t1 <- thresholds(mod)[[3]][[1]][, -1, drop = FALSE]
    t1 <- t1 - mean(t1, na.rm = TRUE)
    rows <- list()
    for (i in seq_len(nrow(t1))) {
      v <- na.omit(as.numeric(t1[i, ]))
      rows[[i]] <- data.frame(item = colnames(X)[i], category = seq_along(v), threshold = v)
    }
    thr <- do.call(rbind, rows)
  }
  write.csv(thr, paste0(stem, "thresholds.csv"), row.names = FALSE)
  fit <- out_infit(mod, p.adj = "none")
  write.csv(data.frame(item = colnames(X), outfit = fit$Outfit, outfit_se = fit$Outfit.se,
                       outfit_p = fit$out.pvalue, infit = fit$Infit, infit_se = fit$Infit.se,
                       infit_p = fit$in.pvalue),
            paste0(stem, "out_infit.csv"), row.names = FALSE)
  rs <- restscore_full(mod)
  write.csv(data.frame(item = colnames(X), observed = rs[, 1], expected = rs[, 2], se = rs[, 3],
                       p = rs[, 4], p_bh = rs[, 5]),
            paste0(stem, "item_restscore.csv"), row.names = FALSE)
  grp <- data.frame(group = seq_len(nrow(X)) %% 2)
  dif <- capture.output(d <- partgam_DIF(X, grp, p.adj = "none"))
  d <- num(d, c("gamma", "se", "pvalue", "lower", "upper"))
  write.csv(d[, c("Item", "Var", "gamma", "se", "pvalue")], paste0(stem, "partgam_dif.csv"),
            row.names = FALSE)
  ld <- capture.output(l <- partgam_LD(X, p.adj = "none"))
  l <- rbind(l[[1]], l[[2]])
  l <- num(l, c("gamma", "se", "pvalue"))
  write.csv(l[, c("Item1", "Item2", "gamma", "se", "pvalue")], paste0(stem, "partgam_ld.csv"),
            row.names = FALSE)
}

for (spec in list(c("erm_raschdat1", "RM"), c("erm_xmpl", "RM"), c("psych_lsat6", "RM"),
                  c("psych_lsat7", "RM"), c("erm_pcmdat", "PCM"), c("erm_pcmdat2", "PCM"))) {
  run(spec[1], spec[2])
}
writeLines(c(R.version.string, paste("iarm", packageVersion("iarm")),
             paste("eRm", packageVersion("eRm")), paste("psychotools", packageVersion("psychotools")),
             paste("vcdExtra", packageVersion("vcdExtra"))),
           file.path(out, "versions.txt"))
