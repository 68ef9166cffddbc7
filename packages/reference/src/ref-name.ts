/**
 * The grammar of an OCI layout's `org.opencontainers.image.ref.name` (image-spec annotations.md): components
 * separated by `/`, each alphanumerics joined by one of `-._:@+` or `--`. Wider than a tag: `example.com/app:1.0`
 * and `a:b` are names skopeo's `oci:DIR:NAME` writes and reads (containers/image's ValidateImageName, this regex).
 */
const REF_NAME =
  /^[A-Za-z0-9]+(?:(?:[-._:@+]|--)[A-Za-z0-9]+)*(?:\/[A-Za-z0-9]+(?:(?:[-._:@+]|--)[A-Za-z0-9]+)*)*$/;

/** Whether `name` is a valid ref.name of an OCI layout's index entry (`stable`, `example.com/app:1.0`, `a:b`). */
export function isValidRefName(name: string): boolean {
  return REF_NAME.test(name);
}
