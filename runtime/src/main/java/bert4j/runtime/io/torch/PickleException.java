package bert4j.runtime.io.torch;

/**
 * A pickle stream is malformed, or asks for something {@link PickleMachine} or its host refuses. The
 * message says what, without the file: {@link TorchCheckpointReader} adds that.
 */
final class PickleException extends Exception {
  PickleException(String message) {
    super(message);
  }
}
