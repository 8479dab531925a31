package io.dualcred.rotation.internal;

import io.dualcred.rotation.CredentialSource;
import io.dualcred.rotation.CredentialSourceException;
import io.dualcred.rotation.CredentialSourceProvider;
import java.net.URI;
import java.net.URISyntaxException;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.ServiceConfigurationError;
import java.util.ServiceLoader;
import java.util.TreeMap;

/**
 * Turns a URI such as {@code env:DB} into a source, through the {@link CredentialSourceProvider}s that
 * {@link ServiceLoader} finds, and the built-in {@code env}, {@code sysprop} and {@code file}, which are always
 * known.
 *
 * <p>Providers are looked for through the thread's context class loader first, then through the loader that
 * loaded dualcred. In an application server or a framework the context loader is the one that sees the
 * application's jars; but a thread may carry a loader that cannot see dualcred at all (or none), and the schemes
 * dualcred ships must not depend on which thread happens to build the pool.
 */
public final class CredentialSourceResolver {

    /** A guard against a service loader that keeps failing on the same entry. */
    private static final int MAX_BROKEN_PROVIDERS = 32;

    private static final List<CredentialSourceProvider> BUILT_IN = List.of(new EnvironmentSourceProvider(),
            new SystemPropertiesSourceProvider(), new DirectorySourceProvider());

    private CredentialSourceResolver() {
    }

    /**
     * @param uri the location; it is handed whole to the provider, but messages show only its safe form (see
     *     {@code SourceUris})
     * @return the source the provider for the URI's scheme creates
     * @throws CredentialSourceException when the URI is malformed, has no scheme, or no provider handles the scheme
     */
    public static CredentialSource resolve(String uri) {
        if (uri == null || uri.isBlank()) {
            throw new CredentialSourceException("credential source URI must not be blank");
        }
        URI location = parse(uri.strip());
        if (location.getScheme() == null) {
            throw new CredentialSourceException("credential source URI " + SourceUris.redact(location)
                    + " has no scheme, e.g. env:DB or file:/etc/secrets/db");
        }
        String scheme = location.getScheme().toLowerCase(Locale.ROOT);
        List<Throwable> broken = new ArrayList<>();
        Map<String, Map<String, CredentialSourceProvider>> providers = providers(broken);
        Map<String, CredentialSourceProvider> candidates = providers.getOrDefault(scheme, Map.of());
        if (candidates.isEmpty()) {
            CredentialSourceException unknown = new CredentialSourceException("no credential source provider for "
                    + "scheme '" + scheme + "' in " + SourceUris.redact(location) + "; known schemes: "
                    + String.join(", ", providers.keySet()));
            broken.forEach(unknown::addSuppressed);
            throw unknown;
        }
        if (candidates.size() > 1) {
            // Picking one by class-path order would make the choice depend on how the application is packaged.
            throw new CredentialSourceException("more than one credential source provider handles scheme '"
                    + scheme + "': " + String.join(", ", candidates.keySet()));
        }
        CredentialSourceProvider provider = candidates.values().iterator().next();
        CredentialSource source = provider.create(location);
        if (source == null) {
            throw new CredentialSourceException(provider.getClass().getName() + " returned no source for "
                    + SourceUris.redact(location));
        }
        return source;
    }

    private static URI parse(String uri) {
        try {
            return new URI(uri);
        } catch (URISyntaxException e) {
            // Its message, and so its stack trace, repeats the whole input: keep the reason and drop the exception.
            String where = e.getIndex() < 0 ? "" : " at index " + e.getIndex();
            throw new CredentialSourceException("malformed credential source URI: " + e.getReason() + where + " in "
                    + SourceUris.redact(uri));
        }
    }

    /**
     * The providers by scheme and class name (a jar seen twice, or through both loaders, yields one provider); the
     * context loader's come first. A provider that fails to load is skipped, so it cannot take the others down.
     */
    private static Map<String, Map<String, CredentialSourceProvider>> providers(List<Throwable> broken) {
        Map<String, Map<String, CredentialSourceProvider>> byScheme = new TreeMap<>();
        ClassLoader context = Thread.currentThread().getContextClassLoader();
        ClassLoader own = CredentialSourceResolver.class.getClassLoader();
        if (context != null && context != own) {
            discover(context, byScheme, broken);
        }
        discover(own, byScheme, broken);
        BUILT_IN.forEach(provider -> register(provider, byScheme));
        return byScheme;
    }

    private static void discover(ClassLoader loader, Map<String, Map<String, CredentialSourceProvider>> byScheme,
            List<Throwable> broken) {
        Iterator<CredentialSourceProvider> found = ServiceLoader.load(CredentialSourceProvider.class, loader)
                .iterator();
        int failures = 0;
        while (failures < MAX_BROKEN_PROVIDERS) {
            try {
                if (!found.hasNext()) {
                    return;
                }
                register(found.next(), byScheme);
            } catch (ServiceConfigurationError e) {
                broken.add(e);
                failures++;
            }
        }
    }

    private static void register(CredentialSourceProvider provider,
            Map<String, Map<String, CredentialSourceProvider>> byScheme) {
        String scheme = provider.scheme();
        if (scheme != null && !scheme.isBlank()) {
            byScheme.computeIfAbsent(scheme.toLowerCase(Locale.ROOT), key -> new TreeMap<>())
                    .putIfAbsent(provider.getClass().getName(), provider);
        }
    }
}
