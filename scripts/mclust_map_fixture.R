# Reference values from R's mclust for MAP E-M under its default conjugate prior
# (priorControl()), for tests/mclust_map.rs (CI does not need R).
#
#   apt-get install r-base-core r-cran-mclust r-cran-jsonlite
#   Rscript scripts/mclust_map_fixture.R     # writes tests/fixtures/mclust_map.json
#
# For each data set: a start (mclust's VVV M-step from its own hierarchical classification
# into 3 groups, without prior) and its responsibilities, then for the ten models mclust gives
# a prior (scikit-learn's four, VVV, VVI, VII and EEE; EII, EEI, VEI, EVI, EEV and VEV) the
# parameters and log-likelihood after ITERATIONS M-steps of me(..., prior = priorControl())
# from those responsibilities (outer tolerance 0, so every M-step is taken; VEI's and VEV's
# inner loops run to a relative change of 1e-15, their fixed point), the prior mclust used
# (defaultPrior) and mclust's BIC of the fit.
suppressMessages({
  library(mclust)
  library(jsonlite)
})

ITERATIONS <- 5
K <- 3
models <- c("VVV", "VVI", "VII", "EEE", "EII", "EEI", "VEI", "EVI", "EEV", "VEV")
data(diabetes, package = "mclust")
sets <- list(
  faithful = as.matrix(faithful),
  iris = as.matrix(iris[, 1:4]),
  diabetes = as.matrix(diabetes[, 2:4])
)

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
    control <- emControl(tol = c(0, 1e-15), itmax = c(ITERATIONS, 1e6))
    fit <- me(data = x, modelName = m, z = z, prior = priorControl(), control = control,
              warn = FALSE)
    p <- fit$parameters
    prior <- defaultPrior(x, K, m)
    fits[[m]] <- list(weights = p$pro, means = t(p$mean),
                      covariances = matrices(p$variance$sigma), loglik = fit$loglik,
                      bic = bic(m, fit$loglik, nrow(x), ncol(x), K),
                      prior_mean = prior$mean, prior_dof = prior$dof,
                      prior_scale = as.vector(prior$scale), prior_shrinkage = prior$shrinkage)
  }
  out$sets[[name]] <- list(
    x = unname(x),
    start = list(weights = start$pro, means = t(start$mean),
                 covariances = matrices(start$variance$sigma)),
    fits = fits
  )
}
write_json(out, "tests/fixtures/mclust_map.json", digits = NA, auto_unbox = TRUE,
           na = "null", pretty = FALSE)
