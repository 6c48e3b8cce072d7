// The dashboard's stylesheet. States carry a word as well as a colour (the pill's text), and every
// wide thing scrolls inside its own box so the page itself never scrolls sideways at 360 px.
export const DASHBOARD_STYLE = `
*{box-sizing:border-box}
body{font:14px/1.4 system-ui,sans-serif;margin:0;background:#f3f4f7;color:#1d2330}
header{display:flex;gap:.5rem;align-items:center;padding:.5rem 1rem;background:#1d2330;color:#fff;flex-wrap:wrap}
header h1{font-size:1.1rem;margin:0 .5rem 0 0}
header input{min-width:0;flex:1 1 10rem;max-width:18rem}
#status{flex:1 1 100%;font-size:12px;color:#c9d1e0;min-height:1em}#status.bad{color:#ffb4b4;font-weight:600}
main{display:grid;grid-template-columns:repeat(auto-fit,minmax(min(100%,30rem),1fr));gap:.8rem;padding:.8rem}
section{background:#fff;border:1px solid #dde1e7;border-radius:6px;padding:.6rem .8rem;min-width:0}
.wide{grid-column:1/-1}
h2{font-size:1rem;margin:.1rem 0 .5rem;display:flex;gap:.5rem;align-items:baseline;flex-wrap:wrap}
h2 small{font-weight:400;color:#5b6577}h3{font-size:.9rem;margin:.6rem 0 .3rem}
.scroll{overflow-x:auto;max-width:100%}
table{border-collapse:collapse;width:100%}
th,td{text-align:left;padding:.25rem .4rem;border-bottom:1px solid #eef0f3;vertical-align:top}
th{font-size:12px;color:#5b6577;font-weight:600;white-space:nowrap}
td.id,td.num{white-space:nowrap;font-variant-numeric:tabular-nums}
button{cursor:pointer;margin:0 .25rem .25rem 0;padding:.15rem .5rem;border:1px solid #9aa3b2;border-radius:4px;background:#fff;font:inherit;font-size:13px}
button:hover{background:#eef2f8}button.primary{background:#1f5fbf;border-color:#1f5fbf;color:#fff}
button.danger{border-color:#b00020;color:#b00020}button:disabled{opacity:.5;cursor:default}
select,input,textarea{font:inherit;max-width:100%}
.filters{display:flex;gap:.4rem;flex-wrap:wrap;margin-bottom:.4rem;align-items:center}
.pill{display:inline-block;padding:0 .45rem;border-radius:8px;background:#e8ebf0;font-size:12px;font-weight:600;white-space:nowrap}
.ok,.CLOSED,.RUNNING,.SUCCEEDED,.OPEN-gate{background:#d7f5dd;color:#0d5b1e}
.degraded,.HALF_OPEN,.RESTARTING,.STARTING,.RETRY_WAIT,.WARNING,.PENDING,.ASSIGNED{background:#fff1c2;color:#6b4e00}
.IN_PROGRESS{background:#dbe8ff;color:#173e86}.STOPPED,.CANCELLED{background:#e8ebf0;color:#3b4352}
.failing,.OPEN,.ESCALATED,.FAILED,.CRITICAL,.CLOSED-gate{background:#ffd6d6;color:#8a0015}
.cards{display:grid;grid-template-columns:repeat(auto-fill,minmax(min(100%,19rem),1fr));gap:.6rem}
.card{border:1px solid #dde1e7;border-left:4px solid #b00020;border-radius:5px;padding:.45rem .6rem;min-width:0;overflow-wrap:anywhere}
.card.warn{border-left-color:#d49b00}.card p{margin:.2rem 0}.muted{color:#5b6577;font-size:12px}
.calm{color:#0d5b1e;font-weight:600}
.charts{display:grid;grid-template-columns:repeat(auto-fit,minmax(min(100%,17rem),1fr));gap:.8rem}
.chart svg{width:100%;height:auto;display:block}.chart h3{margin:0 0 .2rem}
.legend{display:flex;gap:.6rem;flex-wrap:wrap;font-size:12px}.legend i{display:inline-block;width:.7rem;height:.7rem;margin-right:.2rem;border-radius:2px}
ul.tree,ul.tree ul{list-style:none;margin:0;padding-left:1.1rem;border-left:1px dashed #9aa3b2}
ul.tree{padding-left:.3rem;border:0}ul.tree li{margin:.2rem 0;position:relative}
ul.tree ul li::before{content:'';position:absolute;left:-1.1rem;top:.7em;width:.9rem;border-top:1px dashed #9aa3b2}
ol.timeline{list-style:none;padding:0;margin:0;border-left:2px solid #c5ccd8}
ol.timeline li{padding:.15rem 0 .15rem .7rem;position:relative;overflow-wrap:anywhere}
ol.timeline li::before{content:'';position:absolute;left:-6px;top:.55em;width:10px;height:10px;border-radius:50%;background:#9aa3b2}
ol.timeline li.err::before{background:#b00020}ol.timeline li.done::before{background:#1e8a3a}
pre{font-size:12px;max-height:20rem;overflow:auto;margin:0;background:#f6f7f9;padding:.3rem;white-space:pre-wrap;overflow-wrap:anywhere}
dialog{max-width:min(40rem,96vw);width:96vw;border:1px solid #9aa3b2;border-radius:6px}
dialog textarea{width:100%;min-height:10rem;font:12px/1.4 ui-monospace,monospace}
@media (max-width:40rem){
 table.stack,table.stack tbody,table.stack tr,table.stack td{display:block;width:100%}
 table.stack th{display:none}table.stack tr{border-bottom:1px solid #dde1e7;padding:.3rem 0}
 table.stack td{border:0;padding:.1rem 0;white-space:normal}
 table.stack td:empty{display:none}
 table.stack td[data-label]::before{content:attr(data-label) ': ';color:#5b6577;font-size:12px}
 header input{max-width:none}
}
#detail:empty{display:none}#detail{margin-top:.6rem;border-top:1px solid #dde1e7;padding-top:.4rem}
`;
