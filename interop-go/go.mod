module boxpark.dev/interop-go

go 1.21
