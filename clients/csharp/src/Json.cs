// A small JSON writer and reader: no dependency beyond the base class library, invariant
// culture for numbers, UTC round-trip timestamps.
using System;
using System.Collections;
using System.Collections.Generic;
using System.Globalization;
using System.Text;

namespace StrategyAnalysis.Export
{
    /// <summary>Writes compact JSON into a StringBuilder.</summary>
    public sealed class JsonWriter
    {
        private readonly StringBuilder text;
        // One entry per open object/array: true until its first element is written.
        private readonly Stack<bool> firstInScope = new Stack<bool>();
        private bool afterName;

        public JsonWriter() : this(new StringBuilder()) { }

        public JsonWriter(StringBuilder text)
        {
            if (text == null) throw new ArgumentNullException("text");
            this.text = text;
        }

        public override string ToString()
        {
            return text.ToString();
        }

        public JsonWriter BeginObject() { BeforeValue(); text.Append('{'); firstInScope.Push(true); return this; }
        public JsonWriter EndObject() { firstInScope.Pop(); text.Append('}'); return this; }
        public JsonWriter BeginArray() { BeforeValue(); text.Append('['); firstInScope.Push(true); return this; }
        public JsonWriter EndArray() { firstInScope.Pop(); text.Append(']'); return this; }

        public JsonWriter Name(string name)
        {
            if (afterName) throw new InvalidOperationException("JSON name without a value");
            Separator();
            AppendString(text, name);
            text.Append(':');
            afterName = true;
            return this;
        }

        public JsonWriter Null() { BeforeValue(); text.Append("null"); return this; }

        public JsonWriter Value(string value)
        {
            if (value == null) return Null();
            BeforeValue();
            AppendString(text, value);
            return this;
        }

        public JsonWriter Value(bool value) { BeforeValue(); text.Append(value ? "true" : "false"); return this; }

        public JsonWriter Value(long value)
        {
            BeforeValue();
            text.Append(value.ToString(CultureInfo.InvariantCulture));
            return this;
        }

        /// <summary>NaN and infinities have no JSON form: they are written as null.</summary>
        public JsonWriter Value(double value)
        {
            string number = ExportFormat.Number(value);
            if (number == null) return Null();
            BeforeValue();
            text.Append(number);
            return this;
        }

        public JsonWriter Value(decimal value)
        {
            BeforeValue();
            text.Append(value.ToString(CultureInfo.InvariantCulture));
            return this;
        }

        public JsonWriter Value(DateTime value) { return Value(ExportFormat.Timestamp(value)); }

        /// <summary>
        /// Any value: null, string, bool, number, DateTime, enum (by name), dictionary (object),
        /// sequence (array); anything else by its invariant-culture text.
        /// </summary>
        public JsonWriter Value(object value)
        {
            if (value == null || value is DBNull) return Null();
            string s = value as string;
            if (s != null) return Value(s);
            if (value is bool) return Value((bool)value);
            if (value is double) return Value((double)value);
            if (value is float) return ValueFloat((float)value);
            if (value is decimal) return Value((decimal)value);
            if (value is int || value is long || value is short || value is sbyte
                || value is byte || value is ushort || value is uint)
                return Value(Convert.ToInt64(value, CultureInfo.InvariantCulture));
            if (value is ulong) { BeforeValue(); text.Append(((ulong)value).ToString(CultureInfo.InvariantCulture)); return this; }
            if (value is DateTime) return Value((DateTime)value);
            if (value is TimeSpan) return Value(((TimeSpan)value).ToString("c", CultureInfo.InvariantCulture));
            if (value is Enum || value is char || value is Guid) return Value(value.ToString());
            IDictionary dictionary = value as IDictionary;
            if (dictionary != null)
            {
                BeginObject();
                foreach (DictionaryEntry entry in dictionary)
                {
                    Name(Convert.ToString(entry.Key, CultureInfo.InvariantCulture));
                    Value(entry.Value);
                }
                return EndObject();
            }
            IEnumerable sequence = value as IEnumerable;
            if (sequence != null)
            {
                BeginArray();
                foreach (object item in sequence) Value(item);
                return EndArray();
            }
            IFormattable formattable = value as IFormattable;
            if (formattable != null) return Value(formattable.ToString(null, CultureInfo.InvariantCulture));
            return Value(value.ToString());
        }

        /// <summary>Writes a property only when the value is not null (absent = NULL in the contract).</summary>
        public JsonWriter Optional(string name, string value)
        {
            if (value != null) Name(name).Value(value);
            return this;
        }

        public JsonWriter Optional(string name, double? value)
        {
            if (value.HasValue && ExportFormat.Number(value.Value) != null) Name(name).Value(value.Value);
            return this;
        }

        public JsonWriter Optional(string name, long? value)
        {
            if (value.HasValue) Name(name).Value(value.Value);
            return this;
        }

        public JsonWriter Optional(string name, DateTime? value)
        {
            if (value.HasValue) Name(name).Value(value.Value);
            return this;
        }

        /// <summary>A JSON string literal, with quotes.</summary>
        public static string Quote(string value)
        {
            StringBuilder sb = new StringBuilder(value.Length + 2);
            AppendString(sb, value);
            return sb.ToString();
        }

        /// <summary>The JSON text of one value (see Value(object)).</summary>
        public static string Serialize(object value)
        {
            return new JsonWriter().Value(value).ToString();
        }

        private JsonWriter ValueFloat(float value)
        {
            if (float.IsNaN(value) || float.IsInfinity(value)) return Null();
            BeforeValue();
            text.Append(value.ToString("R", CultureInfo.InvariantCulture));
            return this;
        }

        private void BeforeValue()
        {
            if (afterName) { afterName = false; return; }
            Separator();
        }

        private void Separator()
        {
            if (firstInScope.Count == 0) return;
            if (firstInScope.Peek()) { firstInScope.Pop(); firstInScope.Push(false); }
            else text.Append(',');
        }

        private static void AppendString(StringBuilder sb, string value)
        {
            sb.Append('"');
            foreach (char c in value)
            {
                switch (c)
                {
                    case '"': sb.Append("\\\""); break;
                    case '\\': sb.Append("\\\\"); break;
                    case '\n': sb.Append("\\n"); break;
                    case '\r': sb.Append("\\r"); break;
                    case '\t': sb.Append("\\t"); break;
                    case '\b': sb.Append("\\b"); break;
                    case '\f': sb.Append("\\f"); break;
                    default:
                        if (c < 0x20 || c == '\u2028' || c == '\u2029')
                            sb.Append("\\u").Append(((int)c).ToString("x4", CultureInfo.InvariantCulture));
                        else
                            sb.Append(c);
                        break;
                }
            }
            sb.Append('"');
        }
    }

    /// <summary>
    /// Parses JSON into plain objects: Dictionary&lt;string, object&gt; for objects,
    /// List&lt;object&gt; for arrays, string, double, bool, and null.
    /// </summary>
    public sealed class JsonReader
    {
        private readonly string text;
        private int pos;

        private JsonReader(string text)
        {
            this.text = text;
        }

        public static object Parse(string json)
        {
            if (json == null) throw new ArgumentNullException("json");
            JsonReader reader = new JsonReader(json);
            reader.SkipWhitespace();
            object value = reader.ReadValue();
            reader.SkipWhitespace();
            if (reader.pos != json.Length) throw reader.Error("unexpected text after the value");
            return value;
        }

        private object ReadValue()
        {
            if (pos >= text.Length) throw Error("unexpected end");
            char c = text[pos];
            switch (c)
            {
                case '{': return ReadObject();
                case '[': return ReadArray();
                case '"': return ReadString();
                case 't': Expect("true"); return true;
                case 'f': Expect("false"); return false;
                case 'n': Expect("null"); return null;
                default:
                    if (c == '-' || (c >= '0' && c <= '9')) return ReadNumber();
                    throw Error("unexpected character '" + c + "'");
            }
        }

        private Dictionary<string, object> ReadObject()
        {
            Dictionary<string, object> result = new Dictionary<string, object>(StringComparer.Ordinal);
            pos++;
            SkipWhitespace();
            if (Peek() == '}') { pos++; return result; }
            while (true)
            {
                SkipWhitespace();
                if (Peek() != '"') throw Error("expected a property name");
                string name = ReadString();
                SkipWhitespace();
                if (Peek() != ':') throw Error("expected ':'");
                pos++;
                SkipWhitespace();
                result[name] = ReadValue();
                SkipWhitespace();
                char c = Peek();
                pos++;
                if (c == '}') return result;
                if (c != ',') throw Error("expected ',' or '}'");
            }
        }

        private List<object> ReadArray()
        {
            List<object> result = new List<object>();
            pos++;
            SkipWhitespace();
            if (Peek() == ']') { pos++; return result; }
            while (true)
            {
                SkipWhitespace();
                result.Add(ReadValue());
                SkipWhitespace();
                char c = Peek();
                pos++;
                if (c == ']') return result;
                if (c != ',') throw Error("expected ',' or ']'");
            }
        }

        private string ReadString()
        {
            pos++; // opening quote
            StringBuilder sb = new StringBuilder();
            while (true)
            {
                if (pos >= text.Length) throw Error("unterminated string");
                char c = text[pos++];
                if (c == '"') return sb.ToString();
                if (c != '\\') { sb.Append(c); continue; }
                if (pos >= text.Length) throw Error("unterminated escape");
                char e = text[pos++];
                switch (e)
                {
                    case '"': sb.Append('"'); break;
                    case '\\': sb.Append('\\'); break;
                    case '/': sb.Append('/'); break;
                    case 'b': sb.Append('\b'); break;
                    case 'f': sb.Append('\f'); break;
                    case 'n': sb.Append('\n'); break;
                    case 'r': sb.Append('\r'); break;
                    case 't': sb.Append('\t'); break;
                    case 'u':
                        if (pos + 4 > text.Length) throw Error("short \\u escape");
                        sb.Append((char)int.Parse(text.Substring(pos, 4), NumberStyles.HexNumber, CultureInfo.InvariantCulture));
                        pos += 4;
                        break;
                    default: throw Error("unknown escape \\" + e);
                }
            }
        }

        private double ReadNumber()
        {
            int start = pos;
            while (pos < text.Length && "+-0123456789.eE".IndexOf(text[pos]) >= 0) pos++;
            double value;
            if (!double.TryParse(text.Substring(start, pos - start), NumberStyles.Float, CultureInfo.InvariantCulture, out value))
                throw Error("bad number");
            return value;
        }

        private void Expect(string word)
        {
            if (string.CompareOrdinal(text, pos, word, 0, word.Length) != 0) throw Error("expected " + word);
            pos += word.Length;
        }

        private char Peek()
        {
            if (pos >= text.Length) throw Error("unexpected end");
            return text[pos];
        }

        private void SkipWhitespace()
        {
            while (pos < text.Length && char.IsWhiteSpace(text[pos])) pos++;
        }

        private FormatException Error(string message)
        {
            return new FormatException("JSON: " + message + " at position " + pos.ToString(CultureInfo.InvariantCulture));
        }
    }
}
