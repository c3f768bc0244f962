namespace Rampart.Credentials.Kerberos;

/// <summary>
/// Why a Kerberos step failed. The engine audits <see cref="Timeout"/>, <see cref="Overloaded"/> and
/// <see cref="Unavailable"/> as 547 (negotiation failed) and the others as 545 (peer authentication failed).
/// </summary>
public enum GssFailureReason
{
    /// <summary>The call did not return within the configured timeout (an unreachable KDC stalls it about 18 s); it finishes in the background.</summary>
    Timeout,

    /// <summary>Every worker is busy and the queue is full.</summary>
    Overloaded,

    /// <summary>The context cannot be used: an earlier call timed out or failed, or it was disposed.</summary>
    Unavailable,

    /// <summary>GSS-API refused the token or the credentials (wrong keytab, unknown principal, bad ticket, no mutual authentication).</summary>
    AuthenticationFailed,

    /// <summary>The peer authenticated as a principal other than the expected one.</summary>
    UnexpectedPeer,

    /// <summary>The peer's MIC over the exchange does not verify.</summary>
    BadIntegrityCheck,
}

/// <summary>A value, or why there is none.</summary>
public readonly record struct GssResult<T>(T? Value, GssFailureReason? Failure, string? Message)
{
    public bool Succeeded => Failure is null;

    public override string ToString() => Succeeded ? $"ok {Value}" : $"{Failure}: {Message}";
}

/// <summary>One step of the handshake: the token to send (none when the last token was received) and whether it is complete.</summary>
public sealed record GssStep(byte[]? Token, bool IsComplete);

/// <summary>Builds <see cref="GssResult{T}"/> values.</summary>
public static class GssResult
{
    public static GssResult<T> Success<T>(T value) => new(value, null, null);

    public static GssResult<T> Failed<T>(GssFailureReason reason, string message) => new(default, reason, message);
}
