namespace Rampart.Core.Filtering;

/// <summary>What a matching filter says to do with a packet. The order is the tie-break order (safest first).</summary>
public enum FilterVerdict : byte
{
    Block,
    Negotiate,
    Permit,
}
