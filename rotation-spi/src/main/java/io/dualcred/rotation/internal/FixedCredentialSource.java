package io.dualcred.rotation.internal;

import io.dualcred.rotation.CredentialSet;
import io.dualcred.rotation.CredentialSource;
import java.util.Objects;

/** A source whose set never changes. */
public final class FixedCredentialSource implements CredentialSource {

    private final CredentialSet set;

    public FixedCredentialSource(CredentialSet set) {
        this.set = Objects.requireNonNull(set, "set");
    }

    @Override
    public CredentialSet load() {
        return set;
    }

    @Override
    public String description() {
        return "fixed";
    }
}
