/**
 * Errors the API reports in AWS's shape: the name is the `x-amzn-ErrorType`, the status the HTTP
 * code the service model gives that error.
 */
export class ServiceError extends Error {
  constructor(
    readonly type:
      | "ValidationException"
      | "AccessDeniedException"
      | "ResourceNotFoundException"
      | "ConflictException"
      | "BadRequestException"
      | "ServiceQuotaExceededException"
      | "ThrottlingException"
      | "InternalServerException"
      | "UnrecognizedClientException"
      | "InvalidSignatureException"
      | "MissingAuthenticationTokenException"
      | "SignatureDoesNotMatch"
      | "IncompleteSignatureException",
    message: string,
    readonly extra: Record<string, unknown> = {},
  ) {
    super(message);
    this.name = type;
  }

  get status(): number {
    switch (this.type) {
      case "ValidationException":
      case "BadRequestException":
      case "IncompleteSignatureException":
        return 400;
      case "AccessDeniedException":
      case "UnrecognizedClientException":
      case "InvalidSignatureException":
      case "MissingAuthenticationTokenException":
      case "SignatureDoesNotMatch":
        return 403;
      case "ResourceNotFoundException":
        return 404;
      case "ConflictException":
        return 409;
      case "ServiceQuotaExceededException":
        return 402;
      case "ThrottlingException":
        return 429;
      default:
        return 500;
    }
  }
}

export const validation = (message: string, fields: { name: string; message: string }[] = []) =>
  new ServiceError("ValidationException", message, {
    reason: fields.length ? "FIELD_VALIDATION_FAILED" : "OTHER",
    ...(fields.length ? { fields } : {}),
  });
export const notFound = (message: string) => new ServiceError("ResourceNotFoundException", message);
export const denied = (message: string) => new ServiceError("AccessDeniedException", message);
