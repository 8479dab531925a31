package io.dualcred.spring.boot;

/**
 * A property dualcred cannot honour, found at start-up; {@code DualcredFailureAnalyzer} turns it into a failure
 * analysis that names the property and what to do. Never carries a property's value.
 */
public class InvalidDualcredPropertyException extends RuntimeException {

    private static final long serialVersionUID = 1L;

    private final String property;
    private final String action;

    /**
     * @param property the property, e.g. {@code spring.datasource.password}
     * @param reason why it cannot be honoured
     * @param action what to do instead
     */
    public InvalidDualcredPropertyException(String property, String reason, String action) {
        super(property + ": " + reason);
        this.property = property;
        this.action = action;
    }

    /** @return the property */
    public String getProperty() {
        return property;
    }

    /** @return what to do instead */
    public String getAction() {
        return action;
    }
}
