using System.Diagnostics.Metrics;
using System.Globalization;
using System.Text;

namespace Rampart.Agent.Monitoring;

/// <summary>
/// Collects one meter's instruments through a <see cref="MeterListener"/> and writes them in the Prometheus text
/// exposition format (version 0.0.4): dots become underscores, counters end in <c>_total</c>.
/// </summary>
public sealed class PrometheusText : IDisposable
{
    public const string ContentType = "text/plain; version=0.0.4; charset=utf-8";

    private readonly MeterListener _listener = new();
    private readonly Lock _gate = new();
    private readonly List<(Instrument Instrument, long Value, KeyValuePair<string, object?>[] Tags)> _measurements = [];

    public PrometheusText(Meter meter)
    {
        ArgumentNullException.ThrowIfNull(meter);
        _listener.InstrumentPublished = (instrument, listener) =>
        {
            if (ReferenceEquals(instrument.Meter, meter))
            {
                listener.EnableMeasurementEvents(instrument);
            }
        };
        _listener.SetMeasurementEventCallback<long>((instrument, value, tags, _) => _measurements.Add((instrument, value, tags.ToArray())));
        _listener.Start();
    }

    /// <summary>Observes every instrument now and returns the exposition text.</summary>
    public string Scrape()
    {
        lock (_gate)
        {
            _measurements.Clear();
            _listener.RecordObservableInstruments();
            var text = new StringBuilder();
            foreach (var group in _measurements.GroupBy(m => m.Instrument))
            {
                var instrument = group.Key;
                var counter = instrument is ObservableCounter<long> or Counter<long>;
                var name = instrument.Name.Replace('.', '_') + (counter ? "_total" : "");
                text.Append("# HELP ").Append(name).Append(' ').Append(instrument.Description).Append('\n');
                text.Append("# TYPE ").Append(name).Append(counter ? " counter\n" : " gauge\n");
                foreach (var (_, value, tags) in group)
                {
                    text.Append(name);
                    if (tags.Length > 0)
                    {
                        text.Append('{').AppendJoin(',', tags.Select(tag => $"{tag.Key}=\"{Escape(Convert.ToString(tag.Value, CultureInfo.InvariantCulture))}\"")).Append('}');
                    }

                    text.Append(' ').Append(value.ToString(CultureInfo.InvariantCulture)).Append('\n');
                }
            }

            return text.ToString();
        }
    }

    public void Dispose() => _listener.Dispose();

    private static string Escape(string? value) =>
        (value ?? "").Replace("\\", "\\\\", StringComparison.Ordinal).Replace("\"", "\\\"", StringComparison.Ordinal).Replace("\n", "\\n", StringComparison.Ordinal);
}
