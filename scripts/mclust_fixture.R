# Reference values from R's mclust for tests/mclust_conformance.rs (CI does not need R).
#
#   apt-get install r-base-core r-cran-mclust r-cran-jsonlite
#   Rscript scripts/mclust_fixture.R        # writes tests/fixtures/mclust.json
#
# For each data set: a start (mclust's VVV M-step from its own hierarchical classification
# into 3 groups), the responsibilities of that start, then for each of the 14 models the
# parameters and log-likelihood after ITERATIONS M-steps of me() from those responsibilities
# (outer tolerance 0, so every M-step is taken; inner tolerance 0 with a cap of 10^5 rounds,
# so the iterative M-steps converge: mclust stops them on the change of the objective, whose
# square root is the parameters' error, so its default leaves them 1e-8 from the optimum),
# mclust's VEE, EVE and VVE after one M-step (VVE's orientation step weighs the components by
# their shapes but not their volumes, so it is not VVE's exact M-step; VEE's and EVE's stop
# when their objective stops changing, about 1e-8 from the optimum: tests/mclust_conformance.rs
# checks that ours reach at least their expected complete-data log-likelihood), and the
# BIC table of mclustBIC() for K = 1..9 (mclust's default start) with, for K = 2..9, that
# start: the parameters of one M-step of each model from mclust's hierarchical classification
# (null where mclust fails).
suppressMessages({
  library(mclust)
  library(jsonlite)
})

ITERATIONS <- 5
K <- 3
models <- c("EII", "VII", "EEI", "VEI", "EVI", "VVI", "EEE",
            "VEE", "EVE", "VVE", "EEV", "VEV", "EVV", "VVV")
data(diabetes, package = "mclust")
sets <- list(
  faithful = as.matrix(faithful),
  iris = as.matrix(iris[, 1:4]),
  diabetes = as.matrix(diabetes[, 2:4])
)

# K×D×D covariances as a list of K row-major matrices.
matrices <- function(sigma) lapply(seq_len(dim(sigma)[3]), function(k) sigma[, , k])

out <- list(mclust_version = as.character(packageVersion("mclust")),
            iterations = ITERATIONS, sets = list())
for (name in names(sets)) {
  x <- sets[[name]]
  classes <- hclass(hc(x, modelName = "VVV"), K)
  start <- mstep(data = x, modelName = "VVV", z = unmap(classes))$parameters
  z <- estep(data = x, modelName = "VVV", parameters = start)$z
  fits <- list()
  for (m in models) {
    control <- emControl(tol = c(0, 0), itmax = c(ITERATIONS, 1e5))
    fit <- me(data = x, modelName = m, z = z, control = control, warn = FALSE)
    if (is.na(fit$loglik)) next
    p <- fit$parameters
    fits[[m]] <- list(weights = p$pro, means = t(p$mean),
                      covariances = matrices(p$variance$sigma), loglik = fit$loglik)
  }
  one_step <- list()
  for (m in c("VEE", "EVE", "VVE")) {
    one <- me(data = x, modelName = m, z = z,
              control = emControl(tol = c(0, 0), itmax = c(1, 1e5)), warn = FALSE)$parameters
    one_step[[m]] <- list(weights = one$pro, means = t(one$mean),
                          covariances = matrices(one$variance$sigma))
  }
  bic <- mclustBIC(x, G = 1:9, modelNames = models)
  table <- lapply(models, function(m) unname(bic[, m]))
  names(table) <- models
  # mclustBIC's own start for K >= 2: its hierarchical classification cut at K, then one
  # M-step of the model. Checked here to reproduce the table's cell.
  classes <- hclass(hc(x, modelName = mclust.options("hcModelName"),
                       use = mclust.options("hcUse")), 2:9)
  starts <- list()
  for (m in models) {
    starts[[m]] <- list()
    for (g in 2:9) {
      z <- unmap(classes[, g - 1])
      ms <- mstep(data = x, modelName = m, z = z, warn = FALSE)
      fit <- me(data = x, modelName = m, z = z, warn = FALSE)
      if (is.na(bic[g, m]) || is.na(fit$loglik) || is.null(ms$parameters$variance$sigma) ||
          any(!is.finite(ms$parameters$variance$sigma))) {
        starts[[m]][[g - 1]] <- NA
        next
      }
      again <- bic(m, fit$loglik, nrow(x), ncol(x), g)
      stopifnot(abs(again - bic[g, m]) < 1e-8 * abs(bic[g, m]))
      p <- ms$parameters
      starts[[m]][[g - 1]] <- list(weights = p$pro, means = t(p$mean),
                                   covariances = matrices(p$variance$sigma))
    }
  }
  out$sets[[name]] <- list(
    x = unname(x),
    start = list(weights = start$pro, means = t(start$mean),
                 covariances = matrices(start$variance$sigma)),
    fits = fits,
    one_step = one_step,
    bic = table,
    bic_starts = starts
  )
}
write_json(out, "tests/fixtures/mclust.json", digits = NA, auto_unbox = TRUE,
           na = "null", pretty = FALSE)
