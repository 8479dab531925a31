package io.dualcred.sources;

/**
 * How often a {@link RemoteCredentialSource} has asked its store, since it was created.
 *
 * @param calls requests sent to the store's API (reads, version checks, logins), successful or not
 * @param failures those of them that failed (an error answer, a timeout, a broken connection)
 * @param reads full reads of both slots, each one or more calls
 * @param versionChecks polls of the store's change token, each one call
 */
public record StoreCalls(long calls, long failures, long reads, long versionChecks) {
}
