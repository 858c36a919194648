module local.invalid/ksub-reaper

go 1.22
