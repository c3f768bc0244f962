namespace Rampart.Ike.Wire;

/// <summary>Why a message was rejected; <see cref="ParseErrorExtensions.ToNotify"/> gives the notification to report.</summary>
public enum ParseError
{
    None,
    Truncated,
    LengthMismatch,
    InvalidMajorVersion,
    InvalidExchangeType,
    InvalidPayloadType,
    PayloadMalformed,
    DoiNotSupported,
    SituationNotSupported,
}

public static class ParseErrorExtensions
{
    public static NotifyMessageType ToNotify(this ParseError error) => error switch
    {
        ParseError.InvalidMajorVersion => NotifyMessageType.InvalidMajorVersion,
        ParseError.InvalidExchangeType => NotifyMessageType.InvalidExchangeType,
        ParseError.InvalidPayloadType => NotifyMessageType.InvalidPayloadType,
        ParseError.DoiNotSupported => NotifyMessageType.DoiNotSupported,
        ParseError.SituationNotSupported => NotifyMessageType.SituationNotSupported,
        _ => NotifyMessageType.PayloadMalformed,
    };
}
