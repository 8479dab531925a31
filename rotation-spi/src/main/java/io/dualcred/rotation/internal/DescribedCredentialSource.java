package io.dualcred.rotation.internal;

import io.dualcred.rotation.CredentialSource;
import java.util.Objects;

/** A source with a fixed description, which is also its {@code toString()}, so logging the source is safe. */
abstract class DescribedCredentialSource implements CredentialSource {

    /** The description, e.g. {@code env:DB}; the first word of every message the source writes. */
    protected final String description;

    DescribedCredentialSource(String description) {
        this.description = Objects.requireNonNull(description, "description");
    }

    @Override
    public final String description() {
        return description;
    }

    @Override
    public final String toString() {
        return description;
    }
}
