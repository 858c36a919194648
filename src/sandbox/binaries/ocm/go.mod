module local.invalid/ocmbins

go 1.25.0

require open-cluster-management.io/ocm v1.2.1
