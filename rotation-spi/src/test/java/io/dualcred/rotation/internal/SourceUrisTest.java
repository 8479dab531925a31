package io.dualcred.rotation.internal;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

class SourceUrisTest {

    @Test
    void keepsSchemeHostPortAndPathOfAHierarchicalUri() {
        assertThat(SourceUris.redact("vault://app:s3cr3t@vault.example:8200/secret/db?token=s3cr3t#s3cr3t"))
                .isEqualTo("vault://vault.example:8200/secret/db");
        assertThat(SourceUris.redact("file:/etc/secrets/db?token=s3cr3t")).isEqualTo("file:/etc/secrets/db");
        assertThat(SourceUris.redact("//app:s3cr3t@host/db")).isEqualTo("//host/db");
    }

    @Test
    void showsOnlyTheSchemeOfAnOpaqueUri() {
        assertThat(SourceUris.redact("vault:app:s3cr3t@host/db?token=s3cr3t")).isEqualTo("vault:...");
        assertThat(SourceUris.redact("env:DB")).isEqualTo("env:...");
    }

    @Test
    void withholdsAnAuthorityThatIsNotAHost() {
        assertThat(SourceUris.redact("vault://app:s3cr3t@not_a_host/secret")).isEqualTo("vault://.../secret");
    }

    @Test
    void showsOnlyTheSchemeOfAMalformedUri() {
        assertThat(SourceUris.redact("vault://app:s3cr3t@vault example/db?token=s3cr3t")).isEqualTo("vault:...");
        assertThat(SourceUris.redact("app:s3cr3t@ host")).isEqualTo("app:...");
        assertThat(SourceUris.redact("%%s3cr3t")).isEqualTo("...");
        assertThat(SourceUris.redact((String) null)).isEqualTo("null");
    }
}
