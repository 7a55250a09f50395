package ai.zumik.provider.gemini;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowableOfType;

import ai.zumik.inference.RequestRejected;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

class GeminiSchemaTest {
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final String P = "tools[0].function.parameters";

    private static JsonNode json(String s) {
        try {
            return JSON.readTree(s.replace('\'', '"'));
        } catch (Exception e) {
            throw new AssertionError(e);
        }
    }

    private static JsonNode convert(String schema) {
        return GeminiSchema.convert(json(schema), P, false);
    }

    private static RequestRejected rejection(String schema) {
        return catchThrowableOfType(RequestRejected.class, () -> convert(schema));
    }

    @Test
    void keepsTheSubsetGeminiEnforcesWithUpperCaseTypes() {
        JsonNode out = convert("{'type':'object','description':'d','properties':{"
                + "'n':{'type':'integer','format':'int32','minimum':1,'maximum':9},"
                + "'tags':{'type':'array','items':{'type':'string','enum':['a','b']},'minItems':1,'maxItems':3},"
                + "'ok':{'type':'boolean','nullable':true},'x':{'type':'number'}},'required':['n']}");
        assertThat(out).isEqualTo(json("{'type':'OBJECT','description':'d','properties':{"
                + "'n':{'type':'INTEGER','format':'int32','minimum':1,'maximum':9},"
                + "'tags':{'type':'ARRAY','items':{'type':'STRING','enum':['a','b']},'minItems':1,'maxItems':3},"
                + "'ok':{'type':'BOOLEAN','nullable':true},'x':{'type':'NUMBER'}},'required':['n']}"));
    }

    @Test
    void typeArrayWithNullBecomesNullable() {
        assertThat(convert("{'type':['string','null']}")).isEqualTo(json("{'type':'STRING','nullable':true}"));
        assertThat(convert("{'type':['null','integer']}")).isEqualTo(json("{'type':'INTEGER','nullable':true}"));
    }

    @Test
    void constBecomesASingleValueStringEnum() {
        assertThat(convert("{'const':'fixed'}")).isEqualTo(json("{'enum':['fixed'],'type':'STRING'}"));
        assertThat(rejection("{'type':'integer','const':3}").param()).isEqualTo(P + ".const");
    }

    @Test
    void enumWithNullIsNullableAndOnlyStringsAreAllowed() {
        assertThat(convert("{'type':['string','null'],'enum':['a',null]}"))
                .isEqualTo(json("{'type':'STRING','enum':['a'],'nullable':true}"));
        assertThat(rejection("{'type':'integer','enum':[1,2]}").param()).isEqualTo(P + ".enum[0]");
    }

    @Test
    void localRefsAreInlinedAndDefsDropped() {
        JsonNode out = convert("{'$defs':{'Pt':{'type':'object','title':'Pt','properties':{'x':{'type':'number'}}}},"
                + "'type':'object','properties':{'a':{'$ref':'#/$defs/Pt'},"
                + "'b':{'$ref':'#/definitions/Q','description':'the b'}},"
                + "'definitions':{'Q':{'type':'string','description':'q'}}}");
        assertThat(out).isEqualTo(json("{'type':'OBJECT','properties':{"
                + "'a':{'type':'OBJECT','properties':{'x':{'type':'NUMBER'}}},"
                + "'b':{'type':'STRING','description':'the b'}}}"));
    }

    @Test
    void aRefUsedTwiceIsInlinedTwiceButARecursiveRefIsRejectedAtItsSite() {
        JsonNode out = convert("{'$defs':{'S':{'type':'string'}},'type':'object','properties':{"
                + "'a':{'$ref':'#/$defs/S'},'b':{'type':'array','items':{'$ref':'#/$defs/S'}}}}");
        assertThat(out.at("/properties/a/type").asText()).isEqualTo("STRING");
        assertThat(out.at("/properties/b/items/type").asText()).isEqualTo("STRING");

        RequestRejected r = rejection("{'$defs':{'Node':{'type':'object','properties':{"
                + "'children':{'type':'array','items':{'$ref':'#/$defs/Node'}}}}},'$ref':'#/$defs/Node'}");
        assertThat(r.param()).isEqualTo(P + ".$defs.Node.properties.children.items.$ref");
        assertThat(r.getMessage()).contains("recursive");
    }

    @Test
    void refsThatDoNotResolveOrAreRemoteAreRejected() {
        assertThat(rejection("{'type':'object','properties':{'a':{'$ref':'#/$defs/Missing'}}}").param())
                .isEqualTo(P + ".properties.a.$ref");
        assertThat(rejection("{'$ref':'https://example.com/s.json'}").param()).isEqualTo(P + ".$ref");
    }

    @Test
    void aRefWithConstrainingSiblingsIsRejected() {
        assertThat(rejection("{'$defs':{'S':{'type':'string'}},'$ref':'#/$defs/S','maxLength':3}").param())
                .isEqualTo(P + ".maxLength");
    }

    @Test
    void errorsInsideAnInlinedDefinitionNameTheDefinitionsOwnPath() {
        RequestRejected r = rejection("{'$defs':{'Code':{'type':'string','pattern':'^[A-Z]+$'}},"
                + "'type':'object','properties':{'code':{'$ref':'#/$defs/Code'}}}");
        assertThat(r.param()).isEqualTo(P + ".$defs.Code.pattern");
    }

    @Test
    void anyOfWithANullBranchMakesTheOtherBranchesNullable() {
        assertThat(convert("{'anyOf':[{'type':'string'},{'type':'integer'},{'type':'null'}]}"))
                .isEqualTo(json("{'anyOf':[{'type':'STRING','nullable':true},{'type':'INTEGER','nullable':true}]}"));
        // Pydantic's Optional[X]: a single remaining branch is the schema itself.
        assertThat(convert("{'anyOf':[{'type':'string'},{'type':'null'}],'description':'maybe','title':'M'}"))
                .isEqualTo(json("{'type':'STRING','nullable':true,'description':'maybe'}"));
    }

    @Test
    void aOneElementAllOfIsItsElement() {
        assertThat(convert("{'allOf':[{'type':'string'}],'description':'d'}"))
                .isEqualTo(json("{'type':'STRING','description':'d'}"));
        assertThat(rejection("{'allOf':[{'type':'string'},{'maxLength':2}]}").param()).isEqualTo(P + ".allOf");
    }

    @Test
    void annotationsAreDroppedAndAdditionalPropertiesFalseToo() {
        assertThat(convert("{'$schema':'https://json-schema.org/draft/2020-12/schema','title':'T','type':'object',"
                + "'examples':[{}],'default':{},'$comment':'c','additionalProperties':false,"
                + "'properties':{'a':{'type':'string','default':'x','deprecated':true}}}"))
                .isEqualTo(json("{'type':'OBJECT','properties':{'a':{'type':'STRING'}}}"));
    }

    @ParameterizedTest
    @CsvSource(delimiter = '|', quoteCharacter = '"', value = {
            "{'type':'object','properties':{'code':{'type':'string','pattern':'^a$'}}}|.properties.code.pattern",
            "{'type':'string','minLength':1}|.minLength",
            "{'type':'string','maxLength':9}|.maxLength",
            "{'oneOf':[{'type':'string'},{'type':'integer'}]}|.oneOf",
            "{'type':'object','additionalProperties':true}|.additionalProperties",
            "{'type':'object','additionalProperties':{'type':'string'}}|.additionalProperties",
            "{'type':'object','patternProperties':{'^x':{'type':'string'}}}|.patternProperties",
            "{'type':'number','exclusiveMinimum':0}|.exclusiveMinimum",
            "{'type':'integer','multipleOf':2}|.multipleOf",
            "{'type':'array','items':[{'type':'string'}]}|.items",
            "{'type':'array','prefixItems':[{'type':'string'}]}|.prefixItems",
            "{'type':'array','uniqueItems':true}|.uniqueItems",
            "{'not':{'type':'string'}}|.not",
            "{'type':['string','integer']}|.type",
            "{'type':'null'}|.type",
            "{'type':'object','minProperties':1}|.minProperties",
            "{'type':'array','items':{'anyOf':[{'type':'string','format':'email','pattern':'@'}]}}|.items.anyOf[0].pattern",
    })
    void constraintsGeminiWouldNotEnforceAreRejectedWithTheirExactPath(String schema, String suffix) {
        RequestRejected r = rejection(schema);
        assertThat(r).as(schema).isNotNull();
        assertThat(r.param()).isEqualTo(P + suffix);
        assertThat(r.code()).isEqualTo("unsupported_parameter");
    }

    @Test
    void responseSchemasGetPropertyOrderingInDeclarationOrder() {
        JsonNode out = GeminiSchema.convert(json("{'type':'object','properties':{'zeta':{'type':'string'},"
                + "'alpha':{'type':'object','properties':{'b':{'type':'string'},'a':{'type':'string'}}}}}"),
                "response_format.json_schema.schema", true);
        assertThat(out.get("propertyOrdering")).isEqualTo(json("['zeta','alpha']"));
        assertThat(out.at("/properties/alpha/propertyOrdering")).isEqualTo(json("['b','a']"));
    }

    @Test
    void aSchemaThatExplodesWhenInlinedIsRefused() {
        // Each level references the next twice: 2^14 copies once inlined.
        StringBuilder defs = new StringBuilder("{'$defs':{");
        for (int i = 0; i < 14; i++) {
            defs.append("'L").append(i).append("':{'type':'object','properties':{'a':{'$ref':'#/$defs/L").append(i + 1)
                    .append("'},'b':{'$ref':'#/$defs/L").append(i + 1).append("'}}},");
        }
        defs.append("'L14':{'type':'string'}},'$ref':'#/$defs/L0'}");
        RequestRejected r = rejection(defs.toString());
        assertThat(r.param()).isEqualTo(P);
        assertThat(r.getMessage()).contains("subschemas");
    }

    @Test
    void booleanSchemasAreRejected() {
        assertThat(rejection("{'type':'object','properties':{'any':true}}").param()).isEqualTo(P + ".properties.any");
    }
}
