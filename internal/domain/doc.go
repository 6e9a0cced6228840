// Package domain holds Xiezhi's entities, error codes and the interfaces that
// the adapters (the GORM store, the object stores) implement.
//
// It imports nothing else of ours and no gin, gorm, minio or jwt: everything
// else depends on it, never the other way round.
package domain
