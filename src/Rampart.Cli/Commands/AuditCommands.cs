using System.CommandLine;
using System.CommandLine.Parsing;
using System.Globalization;
using System.Text.Json;
using Rampart.Core.Auditing;
using Rampart.Core.Control;

namespace Rampart.Cli.Commands;

/// <summary>
/// <c>rampart audit</c>: reads the audit trail (events 541-548) the way the walkthrough's Security log shows it, and
/// switches success and failure auditing (<c>--success on|off</c>, <c>--failure on|off</c>).
/// </summary>
internal static class AuditCommands
{
    public static Command Create()
    {
        var since = new Option<DateTimeOffset?>("--since")
        {
            Description = "Only events at or after TIME: an ISO 8601 time (2026-11-27T16:00:00Z) or an age such as 30s, 10m, 2h, 1d",
            CustomParser = ParseSince,
        };
        var eventId = new Option<int?>("--event") { Description = "Only events with this number (541-548)" };
        eventId.Validators.Add(result =>
        {
            if (result.GetValueOrDefault<int?>() is { } id && !Enum.IsDefined((AuditEventId)id))
            {
                result.AddError($"unknown audit event {id}: expected one of {string.Join(", ", Enum.GetValues<AuditEventId>().Select(e => (int)e))}");
            }
        });
        var limit = new Option<int>("--limit") { Description = "At most this many events (the newest)", DefaultValueFactory = _ => 1000 };
        var success = new Option<string?>("--success") { Description = "Switch success auditing on or off" };
        success.AcceptOnlyFromAmong("on", "off");
        var failure = new Option<string?>("--failure") { Description = "Switch failure auditing on or off" };
        failure.AcceptOnlyFromAmong("on", "off");
        var json = Cli.JsonOption();
        var command = new Command("audit", "Show the audit trail (IKE events 541-548) or switch success/failure auditing")
        {
            since, eventId, limit, json, success, failure,
        };
        command.SetAction(parse =>
        {
            var successSwitch = parse.GetValue(success);
            var failureSwitch = parse.GetValue(failure);
            if (successSwitch is not null || failureSwitch is not null)
            {
                return AgentClient.Run(
                    "audit.settings",
                    new { Success = OnOff(successSwitch), Failure = OnOff(failureSwitch) },
                    parse.GetValue(json),
                    settings => Console.WriteLine(
                        $"success auditing {(settings.GetProperty("auditSuccess").GetBoolean() ? "on" : "off")}, " +
                        $"failure auditing {(settings.GetProperty("auditFailure").GetBoolean() ? "on" : "off")}"));
            }

            return AgentClient.Run(
                "audit.query",
                new { Since = parse.GetValue(since), EventId = parse.GetValue(eventId), Limit = parse.GetValue(limit) },
                parse.GetValue(json),
                records => Print(records.Deserialize<List<AuditRecord>>(ControlJson.Options) ?? []));
        });
        return command;
    }

    /// <summary>Prints records like the walkthrough's event 541: a header, the summary, then each section and its fields.</summary>
    public static void Print(IReadOnlyList<AuditRecord> records)
    {
        if (records.Count == 0)
        {
            Console.WriteLine("no audit events");
            return;
        }

        foreach (var record in records)
        {
            Console.WriteLine(string.Create(
                CultureInfo.InvariantCulture,
                $"Event {(int)record.EventId}  {(record.Success ? "success" : "failure")}  {record.Time.UtcDateTime:u}  #{record.Sequence}"));
            Console.WriteLine(record.Summary);
            string? section = null;
            foreach (var field in record.Fields)
            {
                if (field.Section != section)
                {
                    section = field.Section;
                    if (section.Length > 0)
                    {
                        Console.WriteLine();
                        Console.WriteLine(section + ":");
                    }
                }

                // The walkthrough writes "Peer IP Address: x" under Peer Identity and "Source IP Address x" elsewhere.
                var separator = section == "Peer Identity" || section?.Length == 0 ? ": " : " ";
                Console.WriteLine($"    {field.Name}{separator}{field.Value}");
            }

            Console.WriteLine();
        }
    }

    private static bool? OnOff(string? value) => value is null ? null : value == "on";

    private static DateTimeOffset? ParseSince(ArgumentResult result)
    {
        var text = result.Tokens.Count == 1 ? result.Tokens[0].Value.Trim() : "";
        if (DateTimeOffset.TryParse(text, CultureInfo.InvariantCulture, DateTimeStyles.AssumeUniversal, out var time))
        {
            return time;
        }

        if (text.Length >= 2 && long.TryParse(text.AsSpan(0, text.Length - 1), NumberStyles.None, CultureInfo.InvariantCulture, out var amount))
        {
            TimeSpan? age = char.ToLowerInvariant(text[^1]) switch
            {
                's' => TimeSpan.FromSeconds(amount),
                'm' => TimeSpan.FromMinutes(amount),
                'h' => TimeSpan.FromHours(amount),
                'd' => TimeSpan.FromDays(amount),
                _ => null,
            };
            if (age is { } span)
            {
                return DateTimeOffset.UtcNow - span;
            }
        }

        result.AddError($"invalid --since '{text}': expected an ISO 8601 time (2026-11-27T16:00:00Z) or an age such as 30s, 10m, 2h, 1d");
        return null;
    }
}
