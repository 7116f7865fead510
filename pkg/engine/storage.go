package engine

import (
	"github.com/strata-render/strata/pkg/config"
	"github.com/strata-render/strata/pkg/storage"
)

// NewStorage builds the object storage of c (STRATA_STORAGE_*), or nil
// when no storage file is configured. keyID maps the file's API keys to
// the ids requests are authenticated as (core.KeyID).
func NewStorage(c config.Config, keyID func(string) string) (*storage.Store, error) {
	if c.Storage == nil {
		return nil, nil
	}
	return storage.New(c.Storage, storage.Options{KeyID: keyID,
		PartSize: uint64(c.StoragePartSize), Retries: c.StorageRetries})
}
