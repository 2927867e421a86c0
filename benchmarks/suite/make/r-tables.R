# Writes the suite's tables that come from Debian's R data packages (run once; the CSVs are committed).
# apt-get install -y --no-install-recommends r-cran-ggplot2 r-cran-aer r-cran-cardata r-cran-mass r-cran-palmerpenguins
# Usage: Rscript benchmarks/suite/make/r-tables.R benchmarks/suite
args <- commandArgs(trailingOnly = TRUE)
out <- if (length(args) > 0) args[1] else "benchmarks/suite"
write <- function(df, name) write.csv(df, file.path(out, name), row.names = FALSE, na = "")

# ggplot2 diamonds: 53,940 rows, subsampled to 5,000 (seed 15) to keep the file and the quick run small.
data(diamonds, package = "ggplot2")
set.seed(15)
d <- as.data.frame(diamonds)[sort(sample(nrow(diamonds), 5000)), ]
for (f in c("cut", "color", "clarity")) d[[f]] <- as.character(d[[f]])
write(d, "diamonds.csv")

# AER NMES1988: any hospital stay / any emergency room visit derived from the counts (two-part models' first part).
data(NMES1988, package = "AER")
n <- NMES1988
n$any_hospital <- as.integer(n$hospital > 0)
n$any_emergency <- as.integer(n$emergency > 0)
write(n[, c("visits", "any_hospital", "any_emergency", "health", "chronic", "adl", "region", "age", "afam", "gender",
            "married", "school", "income", "employed", "insurance", "medicaid")], "nmes1988.csv")

# carData Chile: 1988 plebiscite survey.
data(Chile, package = "carData")
write(Chile, "chile.csv")

# MASS crabs and birthwt.
data(crabs, package = "MASS")
write(crabs[, c("sp", "sex", "FL", "RW", "CL", "CW", "BD")], "crabs.csv")
data(birthwt, package = "MASS")
b <- birthwt
b$race <- c("white", "black", "other")[b$race]
write(b, "birthwt.csv")

# palmerpenguins (CC0): the year column is left out (the survey year, not a trait).
data(penguins, package = "palmerpenguins")
p <- as.data.frame(penguins)
for (f in c("species", "island", "sex")) p[[f]] <- as.character(p[[f]])
write(p[, c("species", "island", "bill_length_mm", "bill_depth_mm", "flipper_length_mm", "body_mass_g", "sex")],
      "penguins.csv")
