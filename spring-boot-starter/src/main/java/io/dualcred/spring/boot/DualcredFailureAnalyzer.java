package io.dualcred.spring.boot;

import org.springframework.boot.diagnostics.AbstractFailureAnalyzer;
import org.springframework.boot.diagnostics.FailureAnalysis;

/** Explains a dualcred property that cannot be honoured: which one, why, and what to do. */
class DualcredFailureAnalyzer extends AbstractFailureAnalyzer<InvalidDualcredPropertyException> {

    @Override
    protected FailureAnalysis analyze(Throwable rootFailure, InvalidDualcredPropertyException cause) {
        return new FailureAnalysis("dualcred cannot honour the property " + cause.getMessage() + ".",
                cause.getAction(), cause);
    }
}
