/** Thrown when no usable Java (>= 17) is found: DynamoDB Local is a Java program. */
export class JavaNotFoundError extends Error {
  override readonly name = 'JavaNotFoundError'

  constructor(javaCommand: string, detail: string) {
    super(
      `DynamoDB Local needs Java >= 17, but "${javaCommand}" is not usable (${detail}). ` +
        'Install Java >= 17 (Debian/Ubuntu: apt-get install default-jre-headless) and make sure `java` is on PATH.',
    )
  }
}
