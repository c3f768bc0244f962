using System.Globalization;
using Rampart.Core.Monitoring;
using Spectre.Console;
using Spectre.Console.Rendering;

namespace Rampart.Cli.Commands;

/// <summary>How a <see cref="MonitorSnapshot"/> looks: plain text for pipes and scripts, a Spectre.Console layout on a terminal.</summary>
internal static class MonitorView
{
    private static readonly string[] AssociationHeader =
        ["POLICY", "RULE", "FILTER", "SOURCE", "DESTINATION", "PROTOCOL", "SRC PORT", "DST PORT", "STATUS", "SECURITY", "MODE", "INBOUND SPI", "OUTBOUND SPI", "BYTES SENT", "BYTES RECEIVED", "AGE", "LIFETIME LEFT"];

    private static readonly string[] MainModeHeader = ["LOCAL", "PEER", "IDENTITY", "AUTHENTICATION", "SECURITY", "QUICK MODES", "AGE", "LIFETIME LEFT"];

    public static void WriteText(TextWriter output, MonitorSnapshot snapshot)
    {
        output.WriteLine($"IP Security Monitor  {snapshot.Time.UtcDateTime.ToString("u", CultureInfo.InvariantCulture)}  policy: {snapshot.AssignedPolicy ?? "(none assigned)"}");
        output.WriteLine();
        output.WriteLine("Security associations:");
        if (snapshot.Associations.Count == 0)
        {
            output.WriteLine("  (none)");
        }
        else
        {
            WriteColumns(output, AssociationHeader, snapshot.Associations.Select(AssociationCells));
        }

        if (snapshot.MainModes.Count > 0)
        {
            output.WriteLine();
            output.WriteLine("Main mode (IKE) security associations:");
            WriteColumns(output, MainModeHeader, snapshot.MainModes.Select(MainModeCells));
        }

        output.WriteLine();
        output.WriteLine("IPsec statistics:");
        WritePairs(output, IpsecStatistics(snapshot.Statistics));
        output.WriteLine();
        output.WriteLine("IKE (ISAKMP/Oakley) statistics:");
        WritePairs(output, IkeStatistics(snapshot.Statistics));
    }

    public static IRenderable Render(MonitorSnapshot snapshot, TimeSpan refresh)
    {
        // A terminal is narrower than the plain table: related fields share a cell, one per line.
        var associations = Table(
            ["Policy / rule", "Filter", "Source -> destination", "Traffic", "Security", "SPIs", "Bytes", "Age / left"],
            snapshot.Associations.Select(a => new[]
            {
                a.FilterList is null ? a.Policy : $"{a.Policy}\n{a.FilterList} / {a.FilterAction}",
                a.Filter,
                $"{a.Source}\n-> {a.Destination}",
                $"{a.Protocol}\n{a.SourcePort} -> {a.DestinationPort}",
                a.Mode is null ? $"{a.Security}\n{a.Status}" : $"{a.Security}\n{a.Mode}, {a.Status}",
                $"in  {Number(a.InboundSpi)}\nout {Number(a.OutboundSpi)}",
                $"sent {Number(a.BytesSent)}\nrecv {Number(a.BytesReceived)}",
                $"{Duration(a.AgeSeconds)}\n{(a.LifetimeLeftSeconds is { } left ? Duration(left) : "unlimited")}",
            }));
        associations.Title = new TableTitle("Security associations");
        if (snapshot.Associations.Count == 0)
        {
            associations.AddRow("(none)");
        }

        var statistics = new Table().Border(TableBorder.Rounded).AddColumn("IPsec").AddColumn("").AddColumn("IKE (ISAKMP/Oakley)").AddColumn("");
        var ipsec = IpsecStatistics(snapshot.Statistics);
        var ike = IkeStatistics(snapshot.Statistics);
        for (var i = 0; i < Math.Max(ipsec.Count, ike.Count); i++)
        {
            statistics.AddRow(
                Markup.Escape(i < ipsec.Count ? ipsec[i].Label : ""),
                i < ipsec.Count ? ipsec[i].Value : "",
                Markup.Escape(i < ike.Count ? ike[i].Label : ""),
                i < ike.Count ? ike[i].Value : "");
        }

        var header = new Markup(Markup.Escape(string.Create(
            CultureInfo.InvariantCulture,
            $"IP Security Monitor  {snapshot.Time.UtcDateTime:u}  policy: {snapshot.AssignedPolicy ?? "(none assigned)"}  refresh {refresh.TotalSeconds:0} s  (Ctrl+C to quit)")));
        var parts = new List<IRenderable> { header, associations };
        if (snapshot.MainModes.Count > 0)
        {
            var mainModes = Table(MainModeHeader, snapshot.MainModes.Select(MainModeCells));
            mainModes.Title = new TableTitle("Main mode (IKE) security associations");
            parts.Add(mainModes);
        }

        parts.Add(statistics);
        return new Rows(parts);
    }

    private static Table Table(string[] header, IEnumerable<string[]> rows)
    {
        var table = new Table().Border(TableBorder.Rounded);
        foreach (var column in header)
        {
            table.AddColumn(Markup.Escape(column));
        }

        foreach (var row in rows)
        {
            table.AddRow(row.Select(Markup.Escape).ToArray());
        }

        return table;
    }

    private static string[] AssociationCells(MonitoredAssociation a) =>
    [
        a.Policy,
        a.FilterList is null ? "-" : $"{a.FilterList} / {a.FilterAction}",
        a.Filter,
        a.Source,
        a.Destination,
        a.Protocol,
        a.SourcePort,
        a.DestinationPort,
        a.Status,
        a.Security,
        a.Mode is null ? "-" : a.TunnelEndpoint is null ? a.Mode : $"{a.Mode} to {a.TunnelEndpoint}",
        Number(a.InboundSpi),
        Number(a.OutboundSpi),
        Number(a.BytesSent),
        Number(a.BytesReceived),
        Duration(a.AgeSeconds),
        a.LifetimeLeftSeconds is { } left ? Duration(left) : "unlimited",
    ];

    private static string[] MainModeCells(MainModeAssociation m) =>
    [
        m.Local, m.Peer, m.PeerIdentity, m.Authentication, m.Security, Number(m.QuickModes), Duration(m.AgeSeconds), Duration(m.LifetimeLeftSeconds),
    ];

    private static List<(string Label, string Value)> IpsecStatistics(MonitorStatistics s) =>
    [
        ("Active Associations", Number(s.ActiveAssociations)),
        ("Confidential Bytes Sent", Number(s.ConfidentialBytesSent)),
        ("Confidential Bytes Received", Number(s.ConfidentialBytesReceived)),
        ("Authenticated Bytes Sent", Number(s.AuthenticatedBytesSent)),
        ("Authenticated Bytes Received", Number(s.AuthenticatedBytesReceived)),
        ("Bad SPI Packets", Number(s.BadSpiPackets)),
        ("Packets Not Decrypted", Number(s.PacketsNotDecrypted)),
        ("Packets Not Authenticated", Number(s.PacketsNotAuthenticated)),
        ("Replay Drops", Number(s.ReplayDrops)),
        ("Key Additions", Number(s.KeyAdditions)),
        ("Key Deletions", Number(s.KeyDeletions)),
        ("Rekeys", Number(s.Rekeys)),
    ];

    private static List<(string Label, string Value)> IkeStatistics(MonitorStatistics s) =>
    [
        ("Main Modes", Number(s.MainModes)),
        ("Quick Modes", Number(s.QuickModes)),
        ("Soft Associations", Number(s.SoftAssociations)),
        ("Authentication Failures", Number(s.AuthenticationFailures)),
        ("Negotiation Failures", Number(s.NegotiationFailures)),
        ("Pending Key Operations", Number(s.PendingKeyOperations)),
        ("Main Mode Renewals", Number(s.MainModeRenewals)),
        ("Dead Peers", Number(s.DeadPeers)),
        ("Certificates Rejected", Number(s.CertificatesRejected)),
        ("CRL Check Failures", Number(s.CrlFailures)),
        ("Datagrams Dropped (queue full)", Number(s.Flood.DroppedDatagrams)),
        ("Half-Open Main Modes Evicted", Number(s.Flood.HalfOpenEvicted)),
        ("Main Mode Requests Refused", Number(s.Flood.HalfOpenRefused)),
        ("Failure Audits Summed Up", Number(s.Flood.FailureAuditsSummedUp)),
        ("Audit Records Dropped", Number(s.Flood.AuditRecordsDropped)),
    ];

    private static void WriteColumns(TextWriter output, IReadOnlyList<string> header, IEnumerable<string[]> rows)
    {
        var all = rows.Prepend([.. header]).ToList();
        var widths = header.Select((_, column) => all.Max(row => row[column].Length)).ToList();
        foreach (var row in all)
        {
            output.WriteLine("  " + string.Join("  ", row.Select((cell, column) => column == row.Length - 1 ? cell : cell.PadRight(widths[column]))).TrimEnd());
        }
    }

    private static void WritePairs(TextWriter output, List<(string Label, string Value)> pairs)
    {
        var width = pairs.Max(p => p.Label.Length);
        foreach (var (label, value) in pairs)
        {
            output.WriteLine($"  {label.PadRight(width)}  {value}");
        }
    }

    private static string Number(long? value) => value?.ToString(CultureInfo.InvariantCulture) ?? "-";

    private static string Duration(long seconds) => TimeSpan.FromSeconds(seconds).ToString(seconds >= 86400 ? @"d\.hh\:mm\:ss" : @"hh\:mm\:ss", CultureInfo.InvariantCulture);
}
