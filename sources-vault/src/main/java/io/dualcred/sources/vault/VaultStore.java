package io.dualcred.sources.vault;

import com.fasterxml.jackson.databind.JsonNode;
import io.dualcred.rotation.CredentialSet;
import io.dualcred.rotation.CredentialSourceException;
import io.dualcred.sources.RemoteStore;
import io.dualcred.sources.StoreRead;

/**
 * One KV secret: version 2 reads {@code <mount>/data/<path>} and checks {@code <mount>/metadata/<path>}'s
 * {@code current_version}; version 1 has no metadata, so its check is a read compared by content.
 */
final class VaultStore implements RemoteStore {

    private final VaultClient client;
    private final String mount;
    private final String path;
    private final int kvVersion;
    private final VaultFields fields;
    private final String description;

    VaultStore(VaultClient client, String mount, String path, int kvVersion, VaultFields fields, String description) {
        this.client = client;
        this.mount = mount;
        this.path = path;
        this.kvVersion = kvVersion;
        this.fields = fields;
        this.description = description;
    }

    @Override
    public StoreRead read() throws Exception {
        if (kvVersion == 1) {
            CredentialSet set = assemble(client.get(mount + "/" + path).path("data"));
            return new StoreRead(set, set.revision());
        }
        JsonNode data = client.get(mount + "/data/" + path).path("data");
        CredentialSet set = assemble(data.path("data"));
        JsonNode version = data.path("metadata").path("version");
        return new StoreRead(set, version.isNumber() ? version.asText() : null);
    }

    @Override
    public String version() throws Exception {
        if (kvVersion == 1) {
            return read().version();
        }
        JsonNode version = client.get(mount + "/metadata/" + path).path("data").path("current_version");
        if (!version.isNumber()) {
            throw new CredentialSourceException(description + ": the metadata of " + mount + "/" + path
                    + " has no current_version");
        }
        return version.asText();
    }

    private CredentialSet assemble(JsonNode secret) {
        if (!secret.isObject()) {
            throw new CredentialSourceException(description + ": " + mount + "/" + path + " holds no key/value data");
        }
        return fields.assemble(description, field -> {
            JsonNode value = secret.get(field);
            return value == null || value.isNull() ? null : value.asText();
        });
    }

    @Override
    public String description() {
        return description;
    }

    @Override
    public String toString() {
        return description;
    }
}
